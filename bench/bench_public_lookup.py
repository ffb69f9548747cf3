"""Benchmark: the public instrument lookup under a bounded loopback load, against /healthz.

Builds a fresh copy of the base schema and bulk-loads ``--rows`` instruments (default 10^6, the same
generated register as bench_register_queries.py), starts the real app with uvicorn
(``uvicorn jiliang.web.app:create_app --factory``, one worker) on 127.0.0.1 at a free port, and sends a
fixed number of requests per endpoint with a fixed concurrency:
  * baseline — ``GET /healthz`` (a trivial endpoint of the same app, same middleware);
  * jiliang  — ``GET /api/v1/public/instruments/{code}`` with codes drawn uniformly from the register.
Load generators: an httpx async client (``--requests`` per endpoint and round, ``--concurrency``
connections) and ``wrk`` if installed (same connections, 2 threads, ``--wrk-seconds`` per run, a Lua
script picks the codes; wrk bounds a run by time, not by count). Both endpoints are run ``--rounds`` times,
alternating, after a warm-up. Printed: requests/s, p50 and p99 latency (median over rounds), the ratio
lookup/healthz requests/s (target >= 0.5). Every response must be 200. Only loopback traffic.

Run:  .venv/bin/python bench/bench_public_lookup.py [--rows 1000000] [--requests 20000]
      [--concurrency 32] [--db sqlite|postgresql] [--client both|wrk|httpx]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

import _register_setup as rs  # noqa: E402

LOOKUP = "/api/v1/public/instruments/"

WRK_LUA = """
local codes = {}
for line in io.lines("%(codes)s") do codes[#codes + 1] = line end
local seeded = false
request = function()
  if not seeded then math.randomseed(os.time() + math.floor(os.clock() * 1e6)); seeded = true end
  local path = "%(path)s"
  if path == "LOOKUP" then path = "%(lookup)s" .. codes[math.random(#codes)] end
  return wrk.format("GET", path)
end
"""


def whatif_app() -> Any:
    """What-if (the proposal in bench/README.md): the app with ``service.public_lookup`` answering from a
    statement built once (bound parameter) on a Core connection instead of building the SELECT and an ORM
    Session per request. Same SQL, same response model. Used only by this benchmark (uvicorn factory)."""
    import datetime as dt

    from sqlalchemy import bindparam, select

    from jiliang.instruments import service
    from jiliang.instruments.models import CatalogueItem, Instrument
    from jiliang.instruments.schemas import InstrumentLookup
    from jiliang.platform.db import get_engine
    from jiliang.platform.errors import NotFound
    from jiliang.web.app import create_app

    stmt = (
        select(
            Instrument.code, Instrument.status, Instrument.last_verified_on, Instrument.last_result,
            Instrument.next_due_on, CatalogueItem.name_l1, CatalogueItem.name_l2, CatalogueItem.name_en,
            CatalogueItem.period_source_status,
        )
        .join(CatalogueItem, CatalogueItem.code == Instrument.catalogue_code)
        .where(Instrument.code == bindparam("code"))
    )  # fmt: skip

    def public_lookup(*, code: str, today: dt.date | None = None) -> InstrumentLookup:
        today = today or dt.date.today()
        code = code.strip().upper()
        with get_engine().connect() as conn:
            row = conn.execute(stmt, {"code": code}).first()
        if row is None:
            raise NotFound(f"no instrument with identification code {code}")
        return InstrumentLookup(
            code=row.code, kind=row.name_l2 or row.name_l1, kind_en=row.name_en, status=row.status,
            last_verified_on=row.last_verified_on, last_result=row.last_result, next_due_on=row.next_due_on,
            overdue=bool(row.status == "in_use" and row.next_due_on and row.next_due_on < today),
            period_source_status=row.period_source_status,
        )  # fmt: skip

    service.public_lookup = public_lookup  # type: ignore[assignment]
    pool = int(os.environ.get("JILIANG_BENCH_POOL_SIZE", "0"))
    if pool:  # what-if: a pool as large as the concurrency, so no connection is opened (and PRAGMAs run) per request
        from sqlalchemy import create_engine

        from jiliang.platform import db

        original = db.make_engine

        def make_engine(url: str) -> Any:
            if not url.startswith("sqlite"):
                return original(url)
            engine = create_engine(
                url, connect_args={"check_same_thread": False, "timeout": 30}, pool_size=pool, max_overflow=0
            )
            db._sqlite_setup(engine)
            return engine

        db.make_engine = make_engine  # type: ignore[assignment]
    return create_app()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(port: int, factory: str = "jiliang.web.app:create_app") -> subprocess.Popen[bytes]:
    env = dict(os.environ)
    log_file = (rs.ROOT / "uvicorn.log").open("wb")  # never a pipe: a full pipe would stall the server
    uvicorn = Path(sys.executable).parent / "uvicorn"
    proc = subprocess.Popen(
        [
            str(uvicorn),
            factory,
            "--factory",
            "--app-dir",
            str(Path(__file__).resolve().parent),
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=log_file,
    )
    import httpx

    deadline = time.time() + 60
    while time.time() < deadline:
        if proc.poll() is not None:
            raise RuntimeError("uvicorn exited: " + (rs.ROOT / "uvicorn.log").read_text()[-2000:])
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return proc
        except httpx.HTTPError:
            time.sleep(0.2)
    proc.kill()
    raise RuntimeError("uvicorn did not start")


def percentile(sorted_values: list[float], q: float) -> float:
    return sorted_values[min(len(sorted_values) - 1, int(round(q * (len(sorted_values) - 1))))]


async def httpx_load(base: str, paths: list[str], concurrency: int) -> dict[str, float]:
    import httpx

    latencies: list[float] = []
    bad = 0
    queue = iter(paths)
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def worker() -> None:
            nonlocal bad
            for path in queue:
                t0 = time.perf_counter()
                try:
                    r = await client.get(path)
                except httpx.TransportError:  # a keep-alive connection closed under us: count it, go on
                    bad += 1
                    continue
                latencies.append(time.perf_counter() - t0)
                if r.status_code != 200:
                    bad += 1

        started = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    latencies.sort()
    if bad > len(paths) // 1000:
        raise RuntimeError(f"{bad} of {len(paths)} requests failed or were not 200")
    return {
        "rps": len(latencies) / elapsed,
        "p50": percentile(latencies, 0.5) * 1000,
        "p99": percentile(latencies, 0.99) * 1000,
        "n": len(latencies),
        "errors": bad,
    }


def _ms(text: str) -> float:
    m = re.match(r"([\d.]+)(us|ms|s)", text)
    assert m, text
    return float(m.group(1)) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[m.group(2)]


def wrk_load(
    base: str, path: str, seconds: int, concurrency: int, codes_file: Path, threads: int = 2
) -> dict[str, float]:
    """wrk for a fixed duration (wrk cannot stop on a request count and still report a true rate)."""
    script = rs.ROOT / f"wrk-{'lookup' if path == 'LOOKUP' else 'healthz'}.lua"
    script.write_text(WRK_LUA % {"codes": codes_file, "path": path, "lookup": LOOKUP})
    out = subprocess.run(
        [
            "wrk",
            "-t",
            str(threads),
            "-c",
            str(concurrency),
            "-d",
            f"{seconds}s",
            "--timeout",
            "30s",
            "--latency",
            "-s",
            str(script),
            base,
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    if "Non-2xx" in out:
        raise RuntimeError("wrk saw non-2xx responses:\n" + out)
    lat = dict(re.findall(r"^\s+(50|99)%\s+(\S+)$", out, re.M))
    done = int(re.search(r"(\d+) requests in", out).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    return {"rps": rps, "p50": _ms(lat["50"]), "p99": _ms(lat["99"]), "n": done}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--requests", type=int, default=20_000)
    ap.add_argument("--concurrency", type=int, default=32)
    ap.add_argument("--rounds", type=int, default=2, help="wrk rounds (each endpoint, alternating)")
    ap.add_argument("--httpx-rounds", type=int, default=1)
    ap.add_argument("--wrk-seconds", type=int, default=15, help="duration of each wrk run")
    ap.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    ap.add_argument("--client", choices=("both", "wrk", "httpx"), default="both")
    ap.add_argument(
        "--what-if-pool",
        type=int,
        default=0,
        help="what-if server: also use a SQLite connection pool of this size (no overflow connections)",
    )
    ap.add_argument(
        "--no-what-if",
        dest="what_if",
        action="store_false",
        help="skip the second server with the proposed lookup (statement built once, Core connection)",
    )
    args = ap.parse_args()
    clients = ["wrk", "httpx"] if args.client == "both" else [args.client]
    if "wrk" in clients and shutil.which("wrk") is None:
        rs.log("wrk is not installed (apt-get install wrk); using httpx only")
        clients.remove("wrk")
        if not clients:
            clients = ["httpx"]

    rs.build_base(args.db)
    target = rs.fresh(args.db, "jl_bench_lookup")
    ref = rs.reference()
    rs.log(f"generating and loading {args.rows:,} instruments")
    rows = rs.generate_rows(ref, args.rows)
    secs = rs.populate(target, rows)
    rs.log(f"loaded in {secs:.1f} s")
    codes = [r["code"] for r in rows]
    del rows
    rng = random.Random(5)
    codes_file = rs.ROOT / "lookup-codes.txt"
    codes_file.write_text("\n".join(rng.sample(codes, min(len(codes), 100_000))) + "\n")

    from jiliang.platform.db import reset_engine

    reset_engine()
    if args.what_if_pool:
        os.environ["JILIANG_BENCH_POOL_SIZE"] = str(args.what_if_pool)
    servers = [("app", "jiliang.web.app:create_app", clients)]
    if args.what_if:
        servers.append(
            ("what-if", "bench_public_lookup:whatif_app", [c for c in clients if c == "wrk"] or clients)
        )
    results: dict[str, dict[str, list[dict[str, float]]]] = {}
    for label, factory, server_clients in servers:
        port = free_port()
        proc = start_server(port, factory)
        base = f"http://127.0.0.1:{port}"
        rs.log(f"{label}: uvicorn {factory} on {base} (pid {proc.pid}), database {args.db}")
        try:
            # warm-up: both endpoints, a share of the codes
            asyncio.run(httpx_load(base, ["/healthz"] * 1000, args.concurrency))
            asyncio.run(httpx_load(base, [LOOKUP + c for c in rng.sample(codes, 2000)], args.concurrency))
            for client in server_clients:
                key = f"{label}/{client}"
                results[key] = {"healthz": [], "lookup": []}
                for rnd in range(args.rounds if client == "wrk" else args.httpx_rounds):
                    for name in ("healthz", "lookup"):
                        if client == "wrk":
                            r = wrk_load(
                                base,
                                "/healthz" if name == "healthz" else "LOOKUP",
                                args.wrk_seconds,
                                args.concurrency,
                                codes_file,
                            )
                        else:
                            paths = (
                                ["/healthz"] * args.requests
                                if name == "healthz"
                                else [LOOKUP + c for c in rng.choices(codes, k=args.requests)]
                            )
                            r = asyncio.run(httpx_load(base, paths, args.concurrency))
                        results[key][name].append(r)
                        rs.log(
                            f"{key} round {rnd + 1} {name:<8} {r['n']:>7,.0f} req {r['rps']:>8,.0f} req/s "
                            f"p50 {r['p50']:6.1f} ms  p99 {r['p99']:6.1f} ms"
                        )
        finally:
            proc.terminate()
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
    rs.drop(target)

    print()
    print(
        f"public lookup, {args.rows:,} instruments on {args.db}, concurrency {args.concurrency}; wrk: "
        f"{args.rounds} rounds of {args.wrk_seconds} s per endpoint; httpx: {args.httpx_rounds} rounds of "
        f"{args.requests:,} requests per endpoint; "
        f"uvicorn 1 worker, loopback; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs"
    )
    print(f"{'server/client':<15} {'endpoint':<9} {'req/s (median)':>15} {'p50 ms':>8} {'p99 ms':>8}")
    for client, per in results.items():
        med = {}
        for name, runs in per.items():
            med[name] = {k: statistics.median(r[k] for r in runs) for k in ("rps", "p50", "p99")}
            print(
                f"{client:<15} {name:<9} {med[name]['rps']:>15,.0f} {med[name]['p50']:>8.1f} {med[name]['p99']:>8.1f}"
            )
        ratio = med["lookup"]["rps"] / med["healthz"]["rps"]
        verdict = "met" if ratio >= 0.5 else "MISSED"
        if client.startswith("what-if"):
            verdict = "(proposal)"
        elif (
            client.endswith("httpx")
            and med["healthz"]["rps"] < 0.5 * results.get("app/wrk", per)["healthz"][0]["rps"]
        ):
            verdict += " (client-bound: httpx saturates before the server)"
        print(f"{client:<15} ratio lookup/healthz requests/s: {ratio:.2f}  target >= 0.5  {verdict}")


if __name__ == "__main__":
    main()
