"""Runtime settings, read from the environment (prefix ``JILIANG_``)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="JILIANG_", extra="ignore")

    database_url: str = ""
    data_dir: Path = Path("var")
    secret_key: str = ""
    default_language: str = "zh_CN"
    recall_days_before: int = 30
    login_max_failures: int = 5
    login_window_seconds: int = 900
    session_max_age_seconds: int = 12 * 3600
    max_upload_bytes: int = 64 * 1024 * 1024
    cookie_secure: bool = False
    # where the public reaches this platform: the base of the certificate QR codes issued outside a
    # web request (CLI, demo); issuing through the web uses the request's own address
    public_base_url: str = "http://127.0.0.1:8000"

    def resolved_database_url(self) -> str:
        if self.database_url:
            return self.database_url
        self.data_dir.mkdir(parents=True, exist_ok=True)
        return f"sqlite:///{(self.data_dir / 'jiliang.db').resolve()}"

    def resolved_secret_key(self) -> str:
        """The secret for cookies, CSRF tokens and the audit HMAC.

        Taken from JILIANG_SECRET_KEY, else from ``<data_dir>/secret.key`` (created once).
        Kept outside the database so that a database-only attacker cannot re-seal the audit chain.
        """
        if self.secret_key:
            return self.secret_key
        import secrets

        self.data_dir.mkdir(parents=True, exist_ok=True)
        path = self.data_dir / "secret.key"
        if not path.exists():
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        return path.read_text().strip()


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    return Settings()
