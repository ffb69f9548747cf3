"""Browser-test fixtures: the app served by uvicorn on a free loopback port, and headless Chromium.

A pytest plugin loaded by ``tests/conftest.py`` (``pytest_plugins``), so every test folder shares one
Playwright session per worker: importing these fixtures into a test module would define a second
session-scoped copy, and a second ``sync_playwright()`` in the same process fails.

The server runs in a background thread over the shared ``demo_db``. Chromium is the system package
(``/usr/bin/chromium``, or ``JILIANG_CHROMIUM``); Playwright's own browser download is never used.
A missing Chromium is a test failure with a clear message, never a skip: CI installs it.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import jinja2
import jinja2.utils
import pytest

CHROMIUM = os.environ.get("JILIANG_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def live_server(app) -> Iterator[str]:  # type: ignore[no-untyped-def]
    """Serve ``app`` with uvicorn in a daemon thread; yields the base URL."""
    import uvicorn

    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))  # a free port, held open so no other process can take it meanwhile
    port = sock.getsockname()[1]
    config = uvicorn.Config(
        app, host="127.0.0.1", port=port, log_level="warning", access_log=False, lifespan="off"
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(
        target=server.run, kwargs={"sockets": [sock]}, name="uvicorn-live-server", daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError(f"uvicorn did not start on 127.0.0.1:{port}")
        time.sleep(0.05)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


@pytest.fixture(scope="session")
def browser():  # type: ignore[no-untyped-def]
    """Headless system Chromium through Playwright (fails, never skips, when Chromium is missing)."""
    if not Path(CHROMIUM).is_file() or not os.access(CHROMIUM, os.X_OK):
        pytest.fail(
            f"Chromium not found at {CHROMIUM}: the browser tests need it. Install the Debian 'chromium' "
            "package (scripts/install-system-deps.sh does) or point JILIANG_CHROMIUM at the binary.",
            pytrace=False,
        )
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield b
        finally:
            b.close()


@pytest.fixture(scope="session")
def screenshot_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where screenshots go: a temp dir, or ``JILIANG_SCREENSHOT_DIR`` to keep them."""
    keep = os.environ.get("JILIANG_SCREENSHOT_DIR")
    if keep:
        path = Path(keep)
        path.mkdir(parents=True, exist_ok=True)
        return path
    return tmp_path_factory.mktemp("screenshots")


class PrintedUndefined(jinja2.Undefined):
    """Renders like Jinja's default Undefined (empty) but records every undefined value a template prints
    or loops over: a misspelt variable or attribute, the silent kind of template error."""

    seen: list[str] = []

    def _record(self) -> None:
        owner = (
            "" if self._undefined_obj is jinja2.utils.missing else f"{type(self._undefined_obj).__name__}."
        )
        PrintedUndefined.seen.append(f"{owner}{self._undefined_name}")

    def __str__(self) -> str:
        self._record()
        return ""

    def __iter__(self):  # type: ignore[no-untyped-def]
        self._record()
        return iter(())


@pytest.fixture(scope="session")
def template_errors(app) -> Iterator[list[str]]:  # type: ignore[no-untyped-def]
    """The list of undefined values the app's templates printed; the test empties it after each check."""
    from jiliang.platform.web import environment

    env = environment()
    previous = env.undefined
    env.undefined = PrintedUndefined
    try:
        yield PrintedUndefined.seen
    finally:
        env.undefined = previous
