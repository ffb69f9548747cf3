"""Fixtures for the certificate output service: the shared PTB examples and an in-memory signer."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import SHARED

DCC = SHARED / "dcc"
EXAMPLES = DCC / "examples"
# inside the validity windows of the example signer certificates (v3.2.0: 2021-12-02..2024-12-02,
# v3.3.0: 2026-01-06..2027-01-06): the files' own certificates expire, so tests pin the time
AT_V320 = dt.datetime(2024, 6, 1, tzinfo=dt.UTC)
AT_V330 = dt.datetime(2026, 6, 1, tzinfo=dt.UTC)


def example(rel: str) -> bytes:
    return (EXAMPLES / rel).read_bytes()


def all_examples() -> list[Path]:
    files = sorted(EXAMPLES.glob("*/*.xml"))
    assert len(files) == 9, files
    return files


@pytest.fixture(scope="session")
def signer_and_root():  # type: ignore[no-untyped-def]
    from jiliang.dcc.signing import ephemeral_signer

    return ephemeral_signer("浙江省计量科学研究院（测试）")


@pytest.fixture(scope="session")
def signed_sample(signer_and_root) -> bytes:  # type: ignore[no-untyped-def]
    from jiliang.dcc.build import build_dcc
    from jiliang.dcc.samples import sample_content
    from jiliang.dcc.signing import sign

    signer, _ = signer_and_root
    return sign(build_dcc(sample_content()), signer)
