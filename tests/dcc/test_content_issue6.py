"""CertificateContent: required contents of 检定证书 / 检定结果通知书 / 校准证书, JSON round trip."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json

import pytest

from jiliang.dcc.content import CertificateContent, ResultRow, Signer, Supersedes
from jiliang.dcc.errors import CertificateContentError
from jiliang.dcc.samples import sample_content

KINDS = ("verification_certificate", "verification_result_notice", "calibration_certificate")


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("revision", [0, 2])
def test_json_round_trip(kind: str, revision: int) -> None:
    c = sample_content(kind=kind, revision=revision)
    data = json.loads(json.dumps(c.to_dict(), ensure_ascii=False))
    back = CertificateContent.from_dict(data)
    assert back == c
    assert back.to_dict() == c.to_dict()


def test_numbers_keep_their_digits_and_floats_are_accepted() -> None:
    row = ResultRow(
        quantity="10 kg",
        unit="kg",
        nominal=10.0,
        measured="10.0050",
        error=0.005,
        mpe=0.01,
        expanded_uncertainty="0.0012",
        coverage_factor=2,
    )
    assert (row.nominal, row.measured, row.error, row.mpe, row.coverage_factor) == (
        "10.0",
        "10.0050",
        "0.005",
        "0.01",
        "2",
    )


def test_identifiers_of_revisions() -> None:
    assert sample_content().unique_identifier == "ZJJL2026-J0001"
    c = sample_content(revision=2)
    assert c.unique_identifier == "ZJJL2026-J0001/R2"
    assert c.supersedes is not None and c.supersedes.unique_identifier == "ZJJL2026-J0001/R1"


def _bad(**changes: object) -> str:
    with pytest.raises(CertificateContentError) as exc:
        dataclasses.replace(sample_content(), **changes)
    return str(exc.value)


def test_verdict_must_match_the_kind() -> None:
    assert "verdict 'pass'" in _bad(verdict="fail")
    assert "needs verdict 'fail'" in _bad(kind="verification_result_notice")
    assert "validity date" in _bad(valid_until=None)
    with pytest.raises(CertificateContentError, match="why it failed"):
        dataclasses.replace(sample_content(kind="verification_result_notice"), verdict_reasons=())


def test_signers_need_each_meaning_once() -> None:
    c = sample_content()
    assert "checker" in _bad(signers=c.signers[:1] + c.signers[2:])
    assert "'verifier'" in _bad(signers=c.signers[:2] + (c.signers[0],))
    with pytest.raises(CertificateContentError, match="meaning"):
        Signer("boss", "X", dt.datetime(2026, 1, 1))


def test_dates_and_revisions_are_consistent() -> None:
    c = sample_content()
    assert "performed_on is after issued_on" in _bad(performed_on=c.issued_on + dt.timedelta(days=1))
    assert "must name the certificate" in _bad(revision=1)
    assert "revision 0" in _bad(supersedes=Supersedes("X", 0))
    assert "revision must be" in _bad(revision=-1)
    assert "kind must be" in _bad(kind="licence")


def test_result_rows_are_checked() -> None:
    with pytest.raises(CertificateContentError, match="coverage factor"):
        ResultRow(quantity="p", unit="kg", measured="1", expanded_uncertainty="0.1")
    with pytest.raises(CertificateContentError, match="not a decimal"):
        ResultRow(quantity="p", unit="kg", measured="1,5")
    with pytest.raises(CertificateContentError, match="finite"):
        ResultRow(quantity="p", unit="kg", measured=float("nan"))
    with pytest.raises(CertificateContentError, match="k must be at least 1"):
        ResultRow(quantity="p", unit="kg", measured="1", expanded_uncertainty="0.1", coverage_factor="0.5")
    with pytest.raises(CertificateContentError, match="decision"):
        ResultRow(quantity="p", unit="kg", error="0.1", decision="ok")
    assert "at least one result" in _bad(results=())


def test_from_dict_reports_unknown_and_missing_fields() -> None:
    data = sample_content().to_dict()
    with pytest.raises(CertificateContentError, match="unknown field"):
        CertificateContent.from_dict(data | {"colour": "red"})
    del data["institution"]
    with pytest.raises(CertificateContentError, match="institution"):
        CertificateContent.from_dict(data)
    with pytest.raises(CertificateContentError, match="JSON object"):
        CertificateContent.from_dict([])  # type: ignore[arg-type]
    bad = sample_content().to_dict()
    bad["results"][0]["measured"] = "ten"
    with pytest.raises(CertificateContentError, match="not a decimal"):
        CertificateContent.from_dict(bad)
