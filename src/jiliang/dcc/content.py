"""What a verification or calibration certificate says, independent of its output format.

The fields follow the contents required of certificates in China:

* JJF 1069 (法定计量检定机构考核规范) and the JJG verification regulations: a verification certificate
  (检定证书) is issued when the instrument passes, a notice of verification result (检定结果通知书) when it
  fails (with the items that failed); each carries the certificate number, the institution with its
  authorisation, the customer, the instrument identity, the regulation applied, place and environmental
  conditions, the measurement standards used with their certificates and validity, the results, the
  conclusion, the verifier / checker / approver (检定员 / 核验员 / 批准人) and the validity date.
* JJF 1071 / ISO/IEC 17025 §7.8.2-7.8.4 for a calibration certificate (校准证书): results with the expanded
  uncertainty and coverage factor, no statement of validity unless asked for; §7.8.8 for amended
  certificates (a revision references and supersedes the earlier one).

``CertificateContent`` is a frozen dataclass that converts to and from plain JSON (``to_dict`` /
``from_dict``). Numbers are kept as decimal strings so that the digits printed on the certificate are
exactly the digits the record holds (rounding is done upstream, per JJF 1059.1 §5.3); floats, ints and
Decimals are accepted and normalised.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from jiliang.dcc.errors import CertificateContentError

KINDS = ("verification_certificate", "verification_result_notice", "calibration_certificate")
KIND_TITLES_ZH = {
    "verification_certificate": "检定证书",
    "verification_result_notice": "检定结果通知书",
    "calibration_certificate": "校准证书",
}
KIND_TITLES_EN = {
    "verification_certificate": "Verification Certificate",
    "verification_result_notice": "Notice of Verification Result",
    "calibration_certificate": "Calibration Certificate",
}
SIGNER_MEANINGS = ("verifier", "checker", "approver")
SIGNER_MEANINGS_ZH = {"verifier": "检定员", "checker": "核验员", "approver": "批准人"}
CALIBRATION_SIGNER_ZH = {"verifier": "校准员", "checker": "核验员", "approver": "批准人"}
DECISIONS = ("pass", "fail")
LANGUAGES = ("zh", "en")
PERFORMANCE_LOCATIONS = ("laboratory", "customer", "laboratoryBranch", "customerBranch", "other")

_DECIMAL = re.compile(r"[-+]?((\d*\.\d+)|(\d+\.\d*)|(\d+\.?))([Ee][-+]?\d+)?")

Number = str | float | int | Decimal


def _num(value: Any, what: str) -> str | None:
    """Normalise a number to a decimal string (the D-SI ``decimalType`` pattern) or None."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise CertificateContentError(f"{what}: a number is required, not {value!r}", field=what)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise CertificateContentError(f"{what}: not a finite number", field=what)
        text = repr(value)
    elif isinstance(value, int | Decimal):
        text = str(value)
    elif isinstance(value, str):
        text = value.strip()
    else:
        raise CertificateContentError(f"{what}: a number is required, not {type(value).__name__}", field=what)
    if not _DECIMAL.fullmatch(text):
        raise CertificateContentError(f"{what}: {text!r} is not a decimal number", field=what)
    return text


def _date(value: Any, what: str, *, optional: bool = False) -> dt.date | None:
    if value is None or value == "":
        if optional:
            return None
        raise CertificateContentError(f"{what} is required", field=what)
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise CertificateContentError(f"{what}: {value!r} is not an ISO date", field=what) from None
    raise CertificateContentError(f"{what}: a date is required", field=what)


def _datetime(value: Any, what: str) -> dt.datetime:
    if isinstance(value, dt.datetime):
        out = value
    elif isinstance(value, str):
        try:
            out = dt.datetime.fromisoformat(value)
        except ValueError:
            raise CertificateContentError(f"{what}: {value!r} is not an ISO date-time", field=what) from None
    else:
        raise CertificateContentError(f"{what}: a date-time is required", field=what)
    if out.tzinfo is None:  # the platform stores naive UTC
        out = out.replace(tzinfo=dt.UTC)
    return out


def _text(value: Any, what: str, *, required: bool = True) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise CertificateContentError(f"{what}: text is required", field=what)
    text = " ".join(value.split())  # the DCC notEmptyStringType forbids leading/trailing blanks
    if required and not text:
        raise CertificateContentError(f"{what} is required", field=what)
    return text


def _set(obj: Any, name: str, value: Any) -> None:
    object.__setattr__(obj, name, value)


@dataclass(frozen=True)
class Institution:
    """The issuing legal metrology verification institution (法定计量检定机构)."""

    name: str
    credit_code: str = ""  # 统一社会信用代码 (GB 32100)
    address: str = ""
    authorisation_no: str = ""  # 计量授权证书号 / 授权证书编号
    phone: str = ""
    country_code: str = "CN"

    def __post_init__(self) -> None:
        _set(self, "name", _text(self.name, "institution.name"))
        for f in ("credit_code", "address", "authorisation_no", "phone"):
            _set(self, f, _text(getattr(self, f), f"institution.{f}", required=False))


@dataclass(frozen=True)
class Customer:
    """The customer (送检单位 / 委托方)."""

    name: str
    address: str = ""

    def __post_init__(self) -> None:
        _set(self, "name", _text(self.name, "customer.name"))
        _set(self, "address", _text(self.address, "customer.address", required=False))


@dataclass(frozen=True)
class Instrument:
    """The instrument verified or calibrated (计量器具名称、型号规格、出厂编号、制造单位...)."""

    name: str
    catalogue_item: str = ""  # item of the mandatory verification catalogue (强制检定目录)
    manufacturer: str = ""
    model: str = ""
    serial_number: str = ""  # 出厂编号
    identification_code: str = ""  # 器具识别码 / register id
    measuring_range: str = ""
    accuracy_class: str = ""  # 准确度等级 / 最大允许误差

    def __post_init__(self) -> None:
        _set(self, "name", _text(self.name, "instrument.name"))
        for f in (
            "catalogue_item",
            "manufacturer",
            "model",
            "serial_number",
            "identification_code",
            "measuring_range",
            "accuracy_class",
        ):
            _set(self, f, _text(getattr(self, f), f"instrument.{f}", required=False))


@dataclass(frozen=True)
class Procedure:
    """The regulation or specification applied (检定规程 JJG / 校准规范 JJF), code and title."""

    code: str
    title: str = ""

    def __post_init__(self) -> None:
        _set(self, "code", _text(self.code, "procedure.code"))
        _set(self, "title", _text(self.title, "procedure.title", required=False))


@dataclass(frozen=True)
class EnvironmentCondition:
    """One environmental condition during the work (环境条件), e.g. temperature 20.5 ℃."""

    name: str
    value: str
    unit: str  # a unit expression of jiliang.core.units ("℃", "%", "kPa") or a D-SI string ("\\kelvin")

    def __post_init__(self) -> None:
        _set(self, "name", _text(self.name, "environment.name"))
        _set(self, "value", _num(self.value, f"environment[{self.name}].value"))
        if self.value is None:
            raise CertificateContentError(f"environment[{self.name}].value is required", field="environment")
        _set(self, "unit", _text(self.unit, f"environment[{self.name}].unit"))


@dataclass(frozen=True)
class StandardUsed:
    """A measurement standard used (使用的计量标准器具), with its own certificate and validity."""

    name: str
    identifier: str = ""  # standard certificate no. (计量标准考核证书号) or equipment id
    certificate_no: str = ""  # the standard's own verification/calibration certificate
    valid_until: dt.date | None = None
    uncertainty_or_class: str = ""  # 不确定度 / 准确度等级 / 最大允许误差

    def __post_init__(self) -> None:
        _set(self, "name", _text(self.name, "standards.name"))
        for f in ("identifier", "certificate_no", "uncertainty_or_class"):
            _set(self, f, _text(getattr(self, f), f"standards.{f}", required=False))
        _set(self, "valid_until", _date(self.valid_until, "standards.valid_until", optional=True))


@dataclass(frozen=True)
class ResultRow:
    """One row of the results: a test point with indication, error, MPE and expanded uncertainty.

    ``error`` is the indication error (示值误差) and ``mpe`` the maximum permissible error (最大允许误差,
    given as its magnitude, ±mpe), both in ``unit``; ``expanded_uncertainty`` is U with ``coverage_factor``
    k (JJF 1059.1 §5.3), in ``unit``.
    """

    quantity: str
    unit: str
    nominal: str | None = None
    measured: str | None = None
    error: str | None = None
    mpe: str | None = None
    expanded_uncertainty: str | None = None
    coverage_factor: str | None = None
    decision: str | None = None  # pass | fail | None

    def __post_init__(self) -> None:
        _set(self, "quantity", _text(self.quantity, "results.quantity"))
        _set(self, "unit", _text(self.unit, f"results[{self.quantity}].unit"))
        for f in ("nominal", "measured", "error", "mpe", "expanded_uncertainty", "coverage_factor"):
            _set(self, f, _num(getattr(self, f), f"results[{self.quantity}].{f}"))
        if self.nominal is None and self.measured is None and self.error is None:
            raise CertificateContentError(
                f"results[{self.quantity}]: a nominal value, a measured value or an error is required",
                field="results",
            )
        if self.expanded_uncertainty is not None:
            if Decimal(self.expanded_uncertainty) < 0:
                raise CertificateContentError(
                    f"results[{self.quantity}]: U must not be negative", field="results"
                )
            if self.coverage_factor is None:
                raise CertificateContentError(
                    f"results[{self.quantity}]: an expanded uncertainty needs its coverage factor k",
                    field="results",
                )
        if self.coverage_factor is not None and Decimal(self.coverage_factor) < 1:
            raise CertificateContentError(f"results[{self.quantity}]: k must be at least 1", field="results")
        if self.mpe is not None and Decimal(self.mpe) < 0:
            raise CertificateContentError(
                f"results[{self.quantity}]: give the MPE as a magnitude", field="results"
            )
        if self.decision is not None and self.decision not in DECISIONS:
            raise CertificateContentError(
                f"results[{self.quantity}]: decision must be one of {DECISIONS}", field="results"
            )


@dataclass(frozen=True)
class Signer:
    """An electronic signature manifestation: meaning, printed name, UTC date-time (21 CFR 11.50)."""

    meaning: str  # verifier 检定员 | checker 核验员 | approver 批准人
    name: str
    signed_at: dt.datetime

    def __post_init__(self) -> None:
        if self.meaning not in SIGNER_MEANINGS:
            raise CertificateContentError(f"signer meaning must be one of {SIGNER_MEANINGS}", field="signers")
        _set(self, "name", _text(self.name, "signers.name"))
        _set(self, "signed_at", _datetime(self.signed_at, "signers.signed_at"))


@dataclass(frozen=True)
class Supersedes:
    """The certificate revision this one replaces (ISO/IEC 17025 §7.8.8.2)."""

    number: str
    revision: int
    reason: str = ""
    type_of_change: str = "substituted"  # DCC reportAmendedSubstituted/typeOfChange: amended | substituted
    sha256: str = ""  # SHA-256 (hex) of the superseded DCC file, written as DCC previousReport

    def __post_init__(self) -> None:
        _set(self, "number", _text(self.number, "supersedes.number"))
        digest = _text(self.sha256, "supersedes.sha256", required=False).lower()
        if digest and not re.fullmatch(r"[0-9a-f]{64}", digest):
            raise CertificateContentError(
                "supersedes.sha256 must be 64 hexadecimal digits", field="supersedes"
            )
        _set(self, "sha256", digest)
        if isinstance(self.revision, bool) or not isinstance(self.revision, int) or self.revision < 0:
            raise CertificateContentError(
                "supersedes.revision must be a non-negative integer", field="supersedes"
            )
        _set(self, "reason", _text(self.reason, "supersedes.reason", required=False))
        if self.type_of_change not in ("amended", "substituted"):
            raise CertificateContentError(
                "supersedes.type_of_change: amended | substituted", field="supersedes"
            )

    @property
    def unique_identifier(self) -> str:
        return unique_identifier(self.number, self.revision)


def unique_identifier(number: str, revision: int) -> str:
    """The DCC uniqueIdentifier of a certificate revision: the number, then ``/R<n>`` for revisions > 0."""
    return number if revision == 0 else f"{number}/R{revision}"


_NESTED: dict[str, Any] = {
    "institution": Institution,
    "customer": Customer,
    "instrument": Instrument,
    "procedure": Procedure,
    "supersedes": Supersedes,
}
_LISTS: dict[str, Any] = {
    "environment": EnvironmentCondition,
    "standards": StandardUsed,
    "results": ResultRow,
    "signers": Signer,
}


@dataclass(frozen=True)
class CertificateContent:
    """Everything printed on a verification / calibration certificate (see the module docstring)."""

    number: str
    kind: str
    issued_on: dt.date
    performed_on: dt.date
    institution: Institution
    customer: Customer
    instrument: Instrument
    procedure: Procedure
    results: tuple[ResultRow, ...]
    signers: tuple[Signer, ...]
    revision: int = 0
    supersedes: Supersedes | None = None
    received_on: dt.date | None = None
    valid_until: dt.date | None = None  # 有效期至 (verification) / suggested next due (calibration)
    location: str = ""  # place of the work as text (地点)
    performance_location: str = "laboratory"  # DCC performanceLocation: laboratory | customer | ... | other
    environment: tuple[EnvironmentCondition, ...] = ()
    standards: tuple[StandardUsed, ...] = ()
    verdict: str | None = None  # pass | fail; None for a calibration certificate without conformity statement
    verdict_reasons: tuple[str, ...] = ()
    remarks: str = ""
    public_url: str = ""
    language: str = "zh"
    extra: dict[str, str] = field(default_factory=dict)  # free key/value lines printed under remarks

    def __post_init__(self) -> None:
        _set(self, "number", _text(self.number, "number"))
        if self.kind not in KINDS:
            raise CertificateContentError(f"kind must be one of {KINDS}", field="kind")
        if isinstance(self.revision, bool) or not isinstance(self.revision, int) or self.revision < 0:
            raise CertificateContentError("revision must be a non-negative integer", field="revision")
        for name, cls in _NESTED.items():
            value = getattr(self, name)
            if isinstance(value, dict):
                _set(self, name, cls(**value))
            elif value is not None and not isinstance(value, cls):
                raise CertificateContentError(f"{name}: {cls.__name__} expected", field=name)
        for name, cls in _LISTS.items():
            items = getattr(self, name)
            if items is None or isinstance(items, str | bytes | dict):
                raise CertificateContentError(f"{name}: a list is required", field=name)
            _set(self, name, tuple(cls(**i) if isinstance(i, dict) else i for i in items))
            if not all(isinstance(i, cls) for i in getattr(self, name)):
                raise CertificateContentError(f"{name}: {cls.__name__} items expected", field=name)
        for name in ("institution", "customer", "instrument", "procedure"):
            if getattr(self, name) is None:
                raise CertificateContentError(f"{name} is required", field=name)
        _set(self, "issued_on", _date(self.issued_on, "issued_on"))
        _set(self, "performed_on", _date(self.performed_on, "performed_on"))
        _set(self, "received_on", _date(self.received_on, "received_on", optional=True))
        _set(self, "valid_until", _date(self.valid_until, "valid_until", optional=True))
        _set(self, "location", _text(self.location, "location", required=False))
        _set(self, "remarks", _text(self.remarks, "remarks", required=False))
        if self.performance_location not in PERFORMANCE_LOCATIONS:
            raise CertificateContentError(
                f"performance_location must be one of {PERFORMANCE_LOCATIONS}", field="performance_location"
            )
        _set(self, "public_url", _text(self.public_url, "public_url", required=False))
        _set(self, "verdict_reasons", tuple(_text(r, "verdict_reasons") for r in self.verdict_reasons))
        _set(self, "extra", {str(k): str(v) for k, v in dict(self.extra).items()})
        if self.language not in LANGUAGES:
            raise CertificateContentError(f"language must be one of {LANGUAGES}", field="language")
        if self.performed_on > self.issued_on:
            raise CertificateContentError("performed_on is after issued_on", field="performed_on")
        if self.received_on is not None and self.received_on > self.performed_on:
            raise CertificateContentError("received_on is after performed_on", field="received_on")
        if self.valid_until is not None and self.valid_until < self.performed_on:
            raise CertificateContentError("valid_until is before performed_on", field="valid_until")
        if not self.results:
            raise CertificateContentError("a certificate needs at least one result row", field="results")
        self._check_verdict()
        self._check_signers()
        if self.revision == 0 and self.supersedes is not None:
            raise CertificateContentError(
                "revision 0 cannot supersede another certificate", field="supersedes"
            )
        if self.revision > 0 and self.supersedes is None:
            raise CertificateContentError(
                "a revision must name the certificate it supersedes", field="supersedes"
            )
        if self.supersedes is not None and self.supersedes.unique_identifier == self.unique_identifier:
            raise CertificateContentError("a certificate cannot supersede itself", field="supersedes")

    def _check_verdict(self) -> None:
        if self.kind == "verification_certificate":
            if self.verdict != "pass":
                raise CertificateContentError(
                    "a verification certificate (检定证书) needs verdict 'pass'", field="verdict"
                )
            if self.valid_until is None:
                raise CertificateContentError(
                    "a verification certificate states its validity date", field="valid_until"
                )
        elif self.kind == "verification_result_notice":
            if self.verdict != "fail":
                raise CertificateContentError(
                    "a notice of verification result (检定结果通知书) needs verdict 'fail'", field="verdict"
                )
            if not self.verdict_reasons:
                raise CertificateContentError(
                    "a notice of verification result lists why it failed", field="verdict_reasons"
                )
        elif self.verdict is not None and self.verdict not in DECISIONS:
            raise CertificateContentError(f"verdict must be one of {DECISIONS} or empty", field="verdict")

    def _check_signers(self) -> None:
        meanings = [s.meaning for s in self.signers]
        for needed in SIGNER_MEANINGS:
            if meanings.count(needed) != 1:
                raise CertificateContentError(
                    f"exactly one signer with meaning {needed!r} ({SIGNER_MEANINGS_ZH[needed]}) is required",
                    field="signers",
                )
        # different persons for verifier / checker / approver is enforced by the work flow on user
        # identities (two people may share a printed name)

    # ---------------------------------------------------------------- derived
    @property
    def unique_identifier(self) -> str:
        return unique_identifier(self.number, self.revision)

    @property
    def title_zh(self) -> str:
        return KIND_TITLES_ZH[self.kind]

    @property
    def title_en(self) -> str:
        return KIND_TITLES_EN[self.kind]

    def signer(self, meaning: str) -> Signer:
        return next(s for s in self.signers if s.meaning == meaning)

    # ---------------------------------------------------------------- JSON
    def to_dict(self) -> dict[str, Any]:
        return _plain(self)  # type: ignore[no-any-return]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> CertificateContent:
        if not isinstance(data, dict):
            raise CertificateContentError("certificate content must be a JSON object")
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise CertificateContentError(f"unknown field(s): {', '.join(unknown)}", field=unknown[0])
        try:
            return cls(**data)
        except TypeError as exc:  # missing required fields, wrong nested keys
            raise CertificateContentError(f"certificate content: {exc}") from None


def _plain(value: Any) -> Any:
    if hasattr(value, "__dataclass_fields__"):
        return {f.name: _plain(getattr(value, f.name)) for f in fields(value)}
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return value
