"""Signing keys kept by the platform: one root CA and one key pair per institution.

The private key is never stored in clear: ``private_key_encrypted`` holds AES-256-GCM ciphertext (nonce
prefixed, base64) of the PKCS#8 DER key, under a key derived by HKDF-SHA256 from the platform secret
(``JILIANG_SECRET_KEY`` or ``var/secret.key``, outside the database, as for the audit HMAC). The GCM
associated data binds the ciphertext to its row's ``key_id`` (SHA-256 of the public key), so a ciphertext
copied onto another row does not decrypt.
"""

from __future__ import annotations

import datetime as dt

from sqlalchemy import DateTime, ForeignKey, Index, Integer, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column

from jiliang.platform.db import Base
from jiliang.platform.models import utcnow

KEY_PURPOSES = ("root_ca", "institution")
KEY_STATUSES = ("active", "retired")


class SigningKey(Base):
    __tablename__ = "signing_keys"
    # key material belongs to its institution; the root CA (organisation_id NULL) is admin-only
    __access__ = {"organisation": "organisation_id"}
    __table_args__ = (
        Index("ix_signing_keys_org", "organisation_id", "status"),
        Index(
            "uq_signing_keys_active_scope",
            "scope",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisations.id"), nullable=True)
    scope: Mapped[str] = mapped_column(String(40))  # "root" | "org:<id>": one active key per scope
    purpose: Mapped[str] = mapped_column(String(20))  # root_ca | institution
    algorithm: Mapped[str] = mapped_column(String(20))  # ecdsa-p256 | rsa-3072
    key_id: Mapped[str] = mapped_column(String(64), unique=True)  # sha256 of the SubjectPublicKeyInfo DER
    subject: Mapped[str] = mapped_column(String(400))
    certificate_pem: Mapped[str] = mapped_column(Text)
    not_before: Mapped[dt.datetime] = mapped_column(DateTime)
    not_after: Mapped[dt.datetime] = mapped_column(DateTime)
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    status: Mapped[str] = mapped_column(String(10), default="active")
    created_by: Mapped[str] = mapped_column(String(64), default="system")
    created_at: Mapped[dt.datetime] = mapped_column(DateTime, default=utcnow)
    retired_at: Mapped[dt.datetime | None] = mapped_column(DateTime, nullable=True)
