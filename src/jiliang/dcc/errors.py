"""Errors of the certificate output service (each is a 4xx DomainError unless the server is misconfigured)."""

from __future__ import annotations

from jiliang.platform.errors import DomainError


class DccError(DomainError):
    code = "dcc_error"


class CertificateContentError(DccError):
    """The certificate content is incomplete or inconsistent (nothing is built or signed)."""

    status_code = 422
    code = "certificate_content_invalid"


class UnsafeXmlError(DccError):
    """The XML file is malformed, too large or hostile (DOCTYPE, entities, external references)."""

    status_code = 400
    code = "unsafe_xml"


class SchemaUnavailableError(DccError):
    """The DCC XSD folder is missing: a deployment error, not the user's fault."""

    status_code = 503
    code = "dcc_schema_unavailable"


class SigningKeyError(DccError):
    """A stored signing key cannot be decrypted (wrong platform secret) or is unusable."""

    status_code = 503
    code = "signing_key_unusable"
