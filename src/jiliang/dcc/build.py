"""Write a certificate as a PTB Digital Calibration Certificate (DCC) v3.3.0 document.

Structure (PTB dcc.xsd v3.3.0, D-SI v2.2.1):

* ``administrativeData/coreData``: country CN, languages (zh mandatory, en used for fixed labels),
  ``uniqueIdentifier`` (the certificate number, ``/R<n>`` for revisions), the number and the institution's
  authorisation as identifications, receipt / performance / issue dates, and for a revision
  ``reportAmendedSubstituted`` (``typeOfChange`` amended|substituted + ``replacedUniqueIdentifier``, the
  DCC v3.3.0 mechanism for ISO/IEC 17025 §7.8.8 amendments) plus, when the superseded file's SHA-256 is
  known, ``previousReport`` (hashType: referralID, procedure ``SHA-256``, value).
* ``items/item``: the instrument (name, catalogue item as ``equipmentClass``, maker, model, serial number,
  identification code; measuring range and accuracy class as ``itemQuantities``).
* ``calibrationLaboratory`` (with the authorisation number as ``calibrationLaboratoryCode``), ``respPersons``
  (检定员/核验员/批准人 as ``role``, the approver is ``mainSigner``), ``customer``.
* ``statements``: the legal basis (regulation code), the conformity statement (``basic_conformity``,
  ``pass``/``fail`` with the reasons), the validity date (``basic_recalibration``), revision note, remarks.
* ``measurementResults/measurementResult``: the regulation as ``usedMethod``, the standards as
  ``measuringEquipments`` (``basic_normalUsed``), the environment as ``influenceConditions`` and one
  ``result`` per row: nominal (``basic_referenceValue``), indication (``basic_measuredValue`` with the
  expanded uncertainty ``si:expandedMU``), error (``basic_measurementError``), MPE as acceptance limits
  (``basic_acceptanceLimitLower/Upper``) and the row's conformity (``basic_conformity``).
* optionally the human-readable PDF in ``document`` (byteData, base64).

Units are D-SI strings (``\\kilogram``, ``\\kilo\\pascal``) produced by :mod:`jiliang.core.units.dsi`.
"""

from __future__ import annotations

import base64
from decimal import Decimal

from lxml import etree

from jiliang import __version__
from jiliang.core.units.dsi import from_dsi, to_dsi
from jiliang.core.units.errors import UnitError
from jiliang.dcc.content import (
    CALIBRATION_SIGNER_ZH,
    SIGNER_MEANINGS_ZH,
    CertificateContent,
    ResultRow,
)
from jiliang.dcc.errors import CertificateContentError

DCC_NS = "https://ptb.de/dcc"
SI_NS = "https://ptb.de/si"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
NSMAP = {"dcc": DCC_NS, "si": SI_NS, "xsi": XSI_NS}
SCHEMA_VERSION = "3.3.0"
REFTYPE_NAMESPACE = "jiliang"
REFTYPE_LINK = "https://github.com/jiliang-metrology/jiliang/blob/main/docs/dcc-reftypes.md"

# D-SI names outside the registry's unit table that D-SI nevertheless allows
_DSI_EXTRA = {"%": "\\percent", "\\percent": "\\percent", "\\one": "\\one", "1": "\\one"}

_EN_ROLE = {"verifier": "Verifier", "checker": "Checker", "approver": "Approver"}
_EN_ROLE_CAL = {"verifier": "Calibrated by", "checker": "Checked by", "approver": "Approved by"}


def dsi_unit(unit: str) -> str:
    """A unit expression (``kPa``, ``℃``, ``m3/h``, ``%``) or a D-SI string, as a checked D-SI string."""
    text = unit.strip()
    if text in _DSI_EXTRA:
        return _DSI_EXTRA[text]
    try:
        if text.startswith("\\"):
            from_dsi(text)  # raises on unknown D-SI tokens
            return text
        return to_dsi(text)
    except UnitError as exc:
        raise CertificateContentError(
            f"unit {unit!r} cannot be written in D-SI: {exc}", field="unit", details={"unit": unit}
        ) from None


def _q(name: str) -> str:
    return f"{{{DCC_NS}}}{name}"


def _s(name: str) -> str:
    return f"{{{SI_NS}}}{name}"


def _el(parent: etree._Element, name: str, text: str | None = None, **attrs: str) -> etree._Element:
    e = etree.SubElement(parent, _q(name), {k: v for k, v in attrs.items() if v})
    if text is not None:
        e.text = text
    return e


def _si(parent: etree._Element, name: str, text: str | None = None) -> etree._Element:
    e = etree.SubElement(parent, _s(name))
    if text is not None:
        e.text = text
    return e


def _text(parent: etree._Element, name: str, zh: str, en: str | None = None, **attrs: str) -> etree._Element:
    """A dcc:textType element: Chinese content, plus English when a fixed label has one."""
    e = _el(parent, name, **attrs)
    if en is None:
        _el(e, "content", zh)
    else:
        _el(e, "content", zh, lang="zh")
        _el(e, "content", en, lang="en")
    return e


def _ident(parent: etree._Element, issuer: str, value: str, zh: str, en: str, ref: str = "") -> None:
    if not value:
        return
    i = _el(parent, "identification", refType=ref)
    _el(i, "issuer", issuer)
    _el(i, "value", value)
    _text(i, "name", zh, en)


def _contact(
    parent: etree._Element,
    name: str,
    *,
    element: str,
    address: str,
    phone: str = "",
    country: str = "CN",
    credit_code: str = "",
) -> etree._Element:
    c = _el(parent, element)
    _text(c, "name", name)
    if phone:
        _el(c, "phone", phone)
    loc = _el(c, "location")
    _el(loc, "countryCode", country)
    if address or credit_code:
        further = _el(loc, "further")
        if address:
            _el(further, "content", address)
        if credit_code:
            _el(further, "content", f"统一社会信用代码 {credit_code}")
    return c


def _real(
    parent: etree._Element, value: str, unit: str, *, label: str = "", expanded: tuple[str, str] | None = None
) -> etree._Element:
    r = _si(parent, "real")
    if label:
        _si(r, "label", label)
    _si(r, "value", value)
    _si(r, "unit", unit)
    if expanded is not None:
        u, k = expanded
        mu = _si(r, "measurementUncertaintyUnivariate")
        ex = _si(mu, "expandedMU")
        _si(ex, "valueExpandedMU", u)
        _si(ex, "coverageFactor", k)
        _si(ex, "coverageProbability", "0.95")
        _si(ex, "distribution", "normal")
    return r


def _quantity(
    parent: etree._Element,
    ref: str,
    zh: str,
    en: str,
    value: str,
    unit: str,
    expanded: tuple[str, str] | None = None,
) -> etree._Element:
    q = _el(parent, "quantity", refType=ref)
    _text(q, "name", zh, en)
    _real(q, value, unit, expanded=expanded)
    return q


def _neg(value: str) -> str:
    return format(-Decimal(value), "f") if "e" not in value.lower() else repr(-float(value))


def _result(parent: etree._Element, index: int, row: ResultRow) -> None:
    unit = dsi_unit(row.unit)
    res = _el(parent, "result", refType="jiliang_testPoint", id=f"result{index}")
    _text(res, "name", row.quantity)
    data = _el(res, "data")
    lst = _el(data, "list", refType="jiliang_testPointRow")
    if row.nominal is not None:
        _quantity(lst, "basic_referenceValue", "标称值", "Nominal value", row.nominal, unit)
    if row.measured is not None:
        expanded = (
            (row.expanded_uncertainty, row.coverage_factor)
            if row.expanded_uncertainty is not None and row.coverage_factor is not None
            else None
        )
        _quantity(lst, "basic_measuredValue", "示值", "Indicated value", row.measured, unit, expanded)
    if row.error is not None:
        q = _quantity(lst, "basic_measurementError", "示值误差", "Indication error", row.error, unit)
        if row.measured is None and row.expanded_uncertainty is not None and row.coverage_factor is not None:
            # the uncertainty then belongs to the error: rebuild the real with it
            q.remove(q.find(_s("real")))
            _real(q, row.error, unit, expanded=(row.expanded_uncertainty, row.coverage_factor))
        if row.mpe is not None or row.decision is not None:
            meta = _el(q, "measurementMetaData")
            m = _el(meta, "metaData", refType="basic_conformity")
            decl = _el(m, "declaration")
            _text(decl, "name", "符合性", "Conformity")
            if row.decision is not None:
                _el(m, "conformity", row.decision)
            if row.mpe is not None:
                d = _el(m, "data")
                _quantity(
                    d,
                    "basic_acceptanceLimitLower",
                    "最大允许误差下限",
                    "Lower acceptance limit (-MPE)",
                    _neg(row.mpe),
                    unit,
                )
                _quantity(
                    d,
                    "basic_acceptanceLimitUpper",
                    "最大允许误差上限",
                    "Upper acceptance limit (+MPE)",
                    row.mpe,
                    unit,
                )
    elif row.mpe is not None or row.decision is not None:
        raise CertificateContentError(
            f"results[{row.quantity}]: an MPE or a decision needs the error it applies to", field="results"
        )


def build_tree(content: CertificateContent, *, pdf: bytes | None = None) -> etree._Element:
    """The DCC as an lxml element (see :func:`build_dcc`)."""
    c = content
    calibration = c.kind == "calibration_certificate"
    root = etree.Element(_q("digitalCalibrationCertificate"), nsmap=NSMAP)
    root.set(f"{{{XSI_NS}}}schemaLocation", f"{DCC_NS} https://ptb.de/dcc/v{SCHEMA_VERSION}/dcc.xsd")
    root.set("schemaVersion", SCHEMA_VERSION)
    adm = _el(root, "administrativeData")

    sw = _el(_el(adm, "dccSoftware"), "software")
    _text(sw, "name", "Jiliang 计量")
    _el(sw, "release", __version__)
    _el(sw, "type", "application")

    rtd = _el(_el(adm, "refTypeDefinitions"), "refTypeDefinition")
    _text(rtd, "name", "Jiliang 法制计量证书词汇", "Jiliang legal-metrology certificate vocabulary")
    _el(rtd, "namespace", REFTYPE_NAMESPACE)
    _el(rtd, "link", REFTYPE_LINK)

    core = _el(adm, "coreData")
    _el(core, "countryCodeISO3166_1", c.institution.country_code or "CN")
    for lang in ("zh", "en"):
        _el(core, "usedLangCodeISO639_1", lang)
    _el(core, "mandatoryLangCodeISO639_1", c.language)
    _el(core, "uniqueIdentifier", c.unique_identifier)
    ids = _el(core, "identifications")
    _ident(
        ids, "calibrationLaboratory", c.number, "证书编号", "Certificate number", "jiliang_certificateNumber"
    )
    _ident(ids, "calibrationLaboratory", str(c.revision), "修订版次", "Revision", "jiliang_revision")
    _ident(ids, "calibrationLaboratory", c.kind, c.title_zh, c.title_en, "jiliang_certificateKind")
    if c.received_on is not None:
        _el(core, "receiptDate", c.received_on.isoformat())
    _el(core, "beginPerformanceDate", c.performed_on.isoformat())
    _el(core, "endPerformanceDate", c.performed_on.isoformat())
    _el(core, "performanceLocation", c.performance_location)
    _el(core, "issueDate", c.issued_on.isoformat())
    if c.supersedes is not None:
        ras = _el(core, "reportAmendedSubstituted")
        _el(ras, "typeOfChange", c.supersedes.type_of_change)
        _el(ras, "replacedUniqueIdentifier", c.supersedes.unique_identifier)
        if c.supersedes.sha256:
            prev = _el(core, "previousReport", refType="jiliang_supersededReport")
            _text(prev, "referral", "被替代的证书", "Superseded certificate")
            _el(prev, "referralID", c.supersedes.unique_identifier)
            _el(prev, "procedure", "SHA-256")
            _el(prev, "value", c.supersedes.sha256)

    ins = c.instrument
    items = _el(adm, "items")
    item = _el(items, "item")
    _text(item, "name", ins.name)
    if ins.catalogue_item:
        ec = _el(item, "equipmentClass", refType="jiliang_catalogueItem")
        _el(ec, "reference", "实施强制管理的计量器具目录")
        _el(ec, "classID", ins.catalogue_item)
    if ins.manufacturer:
        _text(_el(item, "manufacturer"), "name", ins.manufacturer)
    if ins.model:
        _el(item, "model", ins.model)
    iids = _el(item, "identifications")
    _ident(iids, "manufacturer", ins.serial_number, "出厂编号", "Serial number", "basic_serialNumber")
    _ident(
        iids,
        "owner",
        ins.identification_code,
        "器具识别码",
        "Identification code",
        "jiliang_identificationCode",
    )
    if len(iids) == 0:
        item.remove(iids)
    if ins.measuring_range or ins.accuracy_class:
        iq = _el(item, "itemQuantities")
        for ref, zh, en, value in (
            ("jiliang_measuringRange", "测量范围", "Measuring range", ins.measuring_range),
            ("jiliang_accuracyClass", "准确度等级/最大允许误差", "Accuracy class / MPE", ins.accuracy_class),
        ):
            if value:
                q = _el(iq, "itemQuantity", refType=ref)
                _text(q, "name", zh, en)
                _el(_el(q, "noQuantity"), "content", value)

    lab = _el(adm, "calibrationLaboratory")
    if c.institution.authorisation_no:
        _el(lab, "calibrationLaboratoryCode", c.institution.authorisation_no)
    _contact(
        lab,
        c.institution.name,
        element="contact",
        address=c.institution.address,
        phone=c.institution.phone,
        country=c.institution.country_code or "CN",
        credit_code=c.institution.credit_code,
    )

    persons = _el(adm, "respPersons")
    roles = CALIBRATION_SIGNER_ZH if calibration else SIGNER_MEANINGS_ZH
    roles_en = _EN_ROLE_CAL if calibration else _EN_ROLE
    for s in c.signers:
        rp = _el(persons, "respPerson", refType=f"jiliang_{s.meaning}")
        _text(_el(rp, "person"), "name", s.name)
        _text(
            rp, "description", f"签署时间 {s.signed_at.isoformat()}", f"Signed at {s.signed_at.isoformat()}"
        )
        _el(rp, "role", f"{roles[s.meaning]} / {roles_en[s.meaning]}")
        if s.meaning == "approver":
            _el(rp, "mainSigner", "true")

    _contact(adm, c.customer.name, element="customer", address=c.customer.address)

    st = _el(adm, "statements")
    basis = _el(st, "statement", refType="jiliang_legalBasis")
    _text(basis, "name", "检定/校准依据", "Regulation applied")
    _el(basis, "norm", c.procedure.code)
    if c.procedure.title:
        _text(basis, "declaration", c.procedure.title)
    if c.verdict is not None:
        conf = _el(st, "statement", refType="basic_conformity")
        _text(conf, "name", "检定结论" if not calibration else "符合性声明", "Conclusion")
        verdict_zh = "合格" if c.verdict == "pass" else "不合格"
        reasons = "；".join(c.verdict_reasons)
        _el(conf, "norm", c.procedure.code)
        _text(conf, "declaration", verdict_zh + (f"：{reasons}" if reasons else ""))
        _contact(conf, c.institution.name, element="respAuthority", address=c.institution.address)
        _el(conf, "conformity", c.verdict)
    if c.valid_until is not None:
        val = _el(st, "statement", refType="basic_recalibration")
        _text(
            val,
            "name",
            "有效期至" if not calibration else "建议复校日期",
            "Valid until" if not calibration else "Recommended recalibration date",
        )
        _el(val, "date", c.valid_until.isoformat())
    if c.supersedes is not None:
        rev = _el(st, "statement", refType="jiliang_revisionNote")
        _text(rev, "name", "修订说明", "Revision note")
        note = f"本证书替代 {c.supersedes.unique_identifier}，原证书作废"
        if c.supersedes.reason:
            note += f"；原因：{c.supersedes.reason}"
        _text(rev, "declaration", note)
    if c.location:
        loc = _el(st, "statement", refType="jiliang_location")
        _text(loc, "name", "地点", "Location")
        _text(loc, "declaration", c.location)
    remark_lines = ([c.remarks] if c.remarks else []) + [f"{k}: {v}" for k, v in c.extra.items()]
    if remark_lines:
        rem = _el(st, "statement", refType="jiliang_remarks")
        _text(rem, "name", "说明", "Remarks")
        _text(rem, "declaration", "；".join(remark_lines))

    results = _el(root, "measurementResults")
    mr = _el(results, "measurementResult")
    _text(
        mr,
        "name",
        "检定结果" if not calibration else "校准结果",
        "Verification results" if not calibration else "Calibration results",
    )
    um = _el(_el(mr, "usedMethods"), "usedMethod", refType="jiliang_regulation")
    _text(um, "name", c.procedure.title or c.procedure.code)
    _el(um, "norm", c.procedure.code)
    if c.standards:
        eqs = _el(mr, "measuringEquipments")
        for std in c.standards:
            eq = _el(eqs, "measuringEquipment", refType="basic_normalUsed")
            _text(eq, "name", std.name)
            desc_parts = []
            if std.uncertainty_or_class:
                desc_parts.append(f"不确定度/准确度等级/最大允许误差：{std.uncertainty_or_class}")
            if std.valid_until is not None:
                desc_parts.append(f"有效期至：{std.valid_until.isoformat()}")
            if desc_parts:
                d = _el(eq, "description")
                _el(d, "content", "；".join(desc_parts))
            sids = _el(eq, "identifications")
            _ident(
                sids,
                "calibrationLaboratory",
                std.identifier,
                "标准器编号",
                "Standard identifier",
                "jiliang_standardIdentifier",
            )
            _ident(
                sids,
                "other",
                std.certificate_no,
                "检定/校准证书编号",
                "Certificate number",
                "jiliang_standardCertificate",
            )
            if len(sids) == 0:
                eq.remove(sids)
    if c.environment:
        ics = _el(mr, "influenceConditions")
        for env in c.environment:
            ic = _el(ics, "influenceCondition", refType="jiliang_environment")
            _text(ic, "name", env.name)
            q = _el(_el(ic, "data"), "quantity")
            _text(q, "name", env.name)
            _real(q, env.value, dsi_unit(env.unit))
    res = _el(mr, "results")
    for i, row in enumerate(c.results, start=1):
        _result(res, i, row)

    if pdf is not None:
        doc = _el(root, "document", refType="jiliang_humanReadableCertificate")
        _text(doc, "name", c.title_zh, c.title_en)
        _el(doc, "fileName", f"{c.unique_identifier.replace('/', '_')}.pdf")
        _el(doc, "mimeType", "application/pdf")
        _el(doc, "dataBase64", base64.b64encode(pdf).decode("ascii"))
    return root


def build_dcc(content: CertificateContent, *, pdf: bytes | None = None) -> bytes:
    """The certificate as DCC v3.3.0 XML (UTF-8, with declaration); optionally embeds the PDF."""
    root = build_tree(content, pdf=pdf)
    return bytes(etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True))
