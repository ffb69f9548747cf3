"""Certificate output: content model, PTB DCC v3.3.0 XML, XML signatures, verification, PDF, import.

Platform-level service used by the verification area (issue 6):

* :mod:`jiliang.dcc.content` — ``CertificateContent`` (检定证书 / 检定结果通知书 / 校准证书 contents);
* :mod:`jiliang.dcc.build` — ``build_dcc(content, pdf=None) -> bytes`` (DCC v3.3.0, D-SI units);
* :mod:`jiliang.dcc.schema` — ``validate(xml) -> list[str]`` (offline XSD validation);
* :mod:`jiliang.dcc.safe` — ``parse_xml(data)`` (hardened parser for untrusted XML);
* :mod:`jiliang.dcc.signing` — platform-kept keys (``institution_signer``) and ``sign(xml, signer)``;
* :mod:`jiliang.dcc.verify` — ``check_dcc(xml, at=..., trusted_roots=...) -> DccCheck``;
* :mod:`jiliang.dcc.parse` — ``parse_dcc(xml) -> ImportedCalibration`` (another lab's DCC);
* :mod:`jiliang.dcc.pdf` — ``certificate_pdf(content, superseded_by=None) -> bytes``.
"""
