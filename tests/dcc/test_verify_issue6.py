"""check_dcc: the shared PTB examples and our own signed DCCs; any change to signed bytes is detected."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import random
import re

import pytest
from cryptography import x509
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from signxml.util import add_pem_header

from jiliang.dcc.build import build_dcc
from jiliang.dcc.samples import sample_content
from jiliang.dcc.signing import ephemeral_signer, sign
from jiliang.dcc.verify import check_dcc

from .conftest import AT_V320, AT_V330, example

DS = "{http://www.w3.org/2000/09/xmldsig#}"


def embedded_leaf(xml: bytes) -> x509.Certificate:
    node = etree.fromstring(xml).find(f".//{DS}X509Certificate")
    return x509.load_pem_x509_certificate(add_pem_header(node.text.strip()))


# ------------------------------------------------------------------ the shared examples (external PKI)
def test_v320_signed_is_intact_and_manipulated_is_tampered() -> None:
    signed = example("v3.2.0/dcc_gp_temperature_typical_v12_v3.2.0_signed.xml")
    manipulated = example("v3.2.0/dcc_gp_temperature_typical_v12_v3.2.0_signed_manipulated.xml")
    r = check_dcc(signed, at=AT_V320)
    assert (r.integrity, r.signature, r.references) == ("intact", "untrusted", 2)  # XAdES: 2 references
    assert r.signer_subject == "CN=Calibration Lab A1,O=Calibration A GmbH,C=DE"
    assert r.signature_algorithm.endswith("ecdsa-sha256")
    # trusting the lab's certificate (pinning): valid at a time inside its window, expired after it
    pinned = [embedded_leaf(signed)]
    assert check_dcc(signed, at=AT_V320, trusted_roots=pinned).signature == "valid"
    assert (
        check_dcc(signed, at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC), trusted_roots=pinned).signature
        == "expired"
    )
    # expired, not tampered, at today's date (R23)
    assert check_dcc(signed).signature == "expired"
    for at in (AT_V320, None):
        m = check_dcc(manipulated, at=at, trusted_roots=pinned)
        assert (m.signature, m.integrity) == ("tampered", "broken")
        assert "digest mismatch" in m.signature_detail
    # schema: the 3.2.0 files are reported as not validated by an installed XSD
    assert not r.schema_valid and "3.2.0" in r.schema_errors[0]


def test_v330_examples() -> None:
    valid = check_dcc(example("v3.3.0/valid_signature.xml"), at=AT_V330)
    assert valid.schema_valid and valid.integrity == "intact" and valid.signature == "untrusted"
    assert valid.unique_identifier == "1234"
    pinned = [embedded_leaf(example("v3.3.0/valid_signature.xml"))]
    assert check_dcc(example("v3.3.0/valid_signature.xml"), at=AT_V330, trusted_roots=pinned).ok
    bad = check_dcc(example("v3.3.0/invalid_signature.xml"), at=AT_V330, trusted_roots=pinned)
    assert bad.schema_valid and bad.signature == "tampered" and not bad.ok
    inv = check_dcc(example("v3.3.0/invalid_schema.xml"), at=AT_V330)
    assert not inv.schema_valid and len(inv.schema_errors) == 2 and inv.signature == "unsigned"
    plain = check_dcc(example("v3.3.0/valid.xml"), at=AT_V330)
    assert plain.schema_valid and plain.signature == "unsigned" and not plain.ok
    json.dumps(valid.to_dict())


# ------------------------------------------------------------------ our own signatures
def test_own_signature_valid_and_trust_states(signed_sample: bytes, signer_and_root) -> None:  # type: ignore[no-untyped-def]
    signer, root = signer_and_root
    r = check_dcc(signed_sample, trusted_roots=[root])
    assert r.ok and r.signature == "valid" and r.trust == "trusted"
    assert r.unique_identifier == "ZJJL2026-J0001"
    assert r.signer_subject == signer.subject
    assert [link.subject for link in r.chain] == [
        signer.certificate.subject.rfc4514_string(),
        root.subject.rfc4514_string(),
    ]
    d = r.to_dict()
    assert d["ok"] is True and d["signature"] == "valid" and len(d["chain"]) == 2
    # unknown root / expired / not yet valid
    other_signer, other_root = ephemeral_signer("另一机构")
    assert check_dcc(signed_sample, trusted_roots=[other_root]).signature == "untrusted"
    assert check_dcc(signed_sample).signature == "untrusted"
    later = dt.datetime.now(dt.UTC) + dt.timedelta(days=800)
    assert check_dcc(signed_sample, at=later, trusted_roots=[root]).signature == "expired"
    earlier = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert check_dcc(signed_sample, at=earlier, trusted_roots=[root]).signature == "expired"
    # PEM text and bytes are accepted as anchors
    from cryptography.hazmat.primitives.serialization import Encoding

    pem = root.public_bytes(Encoding.PEM)
    assert check_dcc(signed_sample, trusted_roots=[pem]).ok
    assert check_dcc(signed_sample, trusted_roots=[pem.decode()]).ok


def test_rsa_signature() -> None:
    signer, root = ephemeral_signer("RSA 机构", algorithm="rsa-3072")
    xml = sign(build_dcc(sample_content(kind="calibration_certificate")), signer)
    r = check_dcc(xml, trusted_roots=[root])
    assert r.ok and r.signature_algorithm.endswith("rsa-sha256")


def test_signing_twice_is_refused(signed_sample: bytes, signer_and_root) -> None:  # type: ignore[no-untyped-def]
    from jiliang.dcc.errors import DccError

    with pytest.raises(DccError, match="already signed"):
        sign(signed_sample, signer_and_root[0])


def test_removed_signature_is_unsigned(signed_sample: bytes, signer_and_root) -> None:  # type: ignore[no-untyped-def]
    stripped = re.sub(rb"<ds:Signature.*</ds:Signature>", b"", signed_sample, flags=re.S)
    r = check_dcc(stripped, trusted_roots=[signer_and_root[1]])
    assert r.signature == "unsigned" and r.schema_valid and not r.ok


def test_signature_copied_onto_another_certificate_fails(signed_sample: bytes, signer_and_root) -> None:  # type: ignore[no-untyped-def]
    """Part 11 §11.70: a signature cannot be transplanted onto another record."""
    other = build_dcc(dataclasses.replace(sample_content(), number="ZJJL2026-J0002"))
    sig = re.search(rb"<ds:Signature.*</ds:Signature>", signed_sample, flags=re.S).group(0)
    forged = other.replace(
        b"</dcc:digitalCalibrationCertificate>", sig + b"</dcc:digitalCalibrationCertificate>"
    )
    assert check_dcc(forged, trusted_roots=[signer_and_root[1]]).signature == "tampered"


def test_swapped_certificate_fails(signed_sample: bytes, signer_and_root) -> None:  # type: ignore[no-untyped-def]
    """Replacing KeyInfo with another institution's certificate does not make the signature verify."""
    other_signer, _ = ephemeral_signer("冒名机构")
    from cryptography.hazmat.primitives.serialization import Encoding

    own = signer_and_root[0].certificate.public_bytes(Encoding.PEM).decode()
    own_b64 = "".join(own.strip().splitlines()[1:-1])
    other_b64 = "".join(
        other_signer.certificate.public_bytes(Encoding.PEM).decode().strip().splitlines()[1:-1]
    )
    text = signed_sample.decode()
    text = re.sub(
        r"(<ds:X509Certificate>)(.*?)(</ds:X509Certificate>)",
        lambda m: (
            m.group(1) + (other_b64 if "".join(m.group(2).split()) == own_b64 else m.group(2)) + m.group(3)
        ),
        text,
        flags=re.S,
    )
    assert other_b64 in text
    assert check_dcc(text.encode(), trusted_roots=[signer_and_root[1]]).signature == "tampered"


def test_signature_wrapping_is_detected(signed_sample: bytes, signer_and_root) -> None:  # type: ignore[no-untyped-def]
    """Changing the visible content while keeping the signed original elsewhere must not pass."""
    root = etree.fromstring(signed_sample)
    ns = {"dcc": "https://ptb.de/dcc"}
    uid = root.find("dcc:administrativeData/dcc:coreData/dcc:uniqueIdentifier", ns)
    uid.text = "FORGED-0001"
    r = check_dcc(etree.tostring(root), trusted_roots=[signer_and_root[1]])
    assert r.signature == "tampered"


# ------------------------------------------------------------------ property: any signed byte changed → detected
def _text_positions(xml: bytes) -> list[int]:
    """Byte offsets of characters in element text and attribute values of the signed DCC content."""
    end = xml.index(b"<ds:Signature")
    positions = []
    for m in re.finditer(rb">([^<]+)<", xml[:end]):
        positions.extend(i for i in range(m.start(1), m.end(1)) if not xml[i : i + 1].isspace())
    for m in re.finditer(rb'="([^"]+)"', xml[:end]):
        positions.extend(range(m.start(1), m.end(1)))
    return positions


def _flip(xml: bytes, pos: int) -> bytes:
    b = xml[pos]
    if b < 0x80:  # ASCII: replace by another printable ASCII character that keeps the XML well-formed
        candidates = [c for c in b"abcXYZ0123456789" if c != b]
        new = bytes([candidates[pos % len(candidates)]])
    else:  # inside a UTF-8 sequence: change the last continuation byte within the continuation range
        start = pos
        while start > 0 and 0x80 <= xml[start] < 0xC0:
            start -= 1
        length = 1 + sum(1 for i in range(start + 1, start + 4) if 0x80 <= xml[i] < 0xC0)
        last = start + length - 1
        cont = xml[last]
        new_cont = 0x80 + ((cont - 0x80 + 1) % 0x40)
        return xml[:last] + bytes([new_cont]) + xml[last + 1 :]
    return xml[:pos] + new + xml[pos + 1 :]


@pytest.fixture(scope="module")
def positions(signed_sample: bytes) -> list[int]:
    pos = _text_positions(signed_sample)
    assert len(pos) > 2000
    return pos


@settings(max_examples=60, deadline=None)
@given(data=st.data())
def test_flipping_any_signed_byte_is_detected(data, signed_sample: bytes, signer_and_root, positions) -> None:  # type: ignore[no-untyped-def]
    pos = data.draw(st.sampled_from(positions))
    changed = _flip(signed_sample, pos)
    assert changed != signed_sample
    r = check_dcc(changed, trusted_roots=[signer_and_root[1]])
    assert r.signature == "tampered", (pos, signed_sample[pos - 20 : pos + 20])
    assert not r.ok


@pytest.mark.slow
def test_flipping_bytes_systematically(signed_sample: bytes, signer_and_root, positions) -> None:  # type: ignore[no-untyped-def]
    """Every attribute value (its last byte) and 1 in 80 text positions, deterministic."""
    end = signed_sample.index(b"<ds:Signature")
    attr = [m.end(1) - 1 for m in re.finditer(rb'="([^"]+)"', signed_sample[:end])]
    rng = random.Random(6)
    chosen = sorted(set(attr) | set(rng.sample(positions, len(positions) // 80)))
    assert len(chosen) > 150
    root = signer_and_root[1]
    missed = [
        p for p in chosen if check_dcc(_flip(signed_sample, p), trusted_roots=[root]).signature != "tampered"
    ]
    assert not missed, missed[:10]


def test_malformed_after_signing_is_not_valid(signed_sample: bytes, signer_and_root) -> None:  # type: ignore[no-untyped-def]
    broken = signed_sample.replace(b"</dcc:coreData>", b"</dcc:coreDat>", 1)
    r = check_dcc(broken, trusted_roots=[signer_and_root[1]])
    assert not r.well_formed and r.signature == "tampered" and not r.ok
