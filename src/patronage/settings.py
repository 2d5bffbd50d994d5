"""Runtime configuration, read once from the environment (or a `.env` file)."""

from __future__ import annotations

import os
import secrets
from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict
from sqlalchemy.engine import make_url

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_SECRET = "dev-insecure-secret-change-me"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    database_url: str = f"sqlite:///{REPO_ROOT / 'var' / 'patronage.db'}"
    # On PostgreSQL, the role that owns the tables and runs the migrations
    # (DATABASE_OWNER_URL); the application then connects as DATABASE_URL's role, which
    # row-level security holds to one tenant per transaction. Unset: DATABASE_URL's role
    # does both (docs/deploy.md).
    database_owner_url: str | None = None
    host: str = "127.0.0.1"
    port: int = 8000
    # Signs the admin's session cookies. Unset, a random one is made on first run and kept
    # in SECRET_KEY_FILE (mode 0600); production refuses to start without a configured one.
    secret_key: str | None = None
    secret_key_file: str = str(REPO_ROOT / "var" / "secret_key")
    # Session cookies are Secure (HTTPS only) unless explicitly relaxed for local HTTP.
    cookie_secure: bool | None = None
    # A signed-in session ends after this many seconds without a request, and after
    # SESSION_MAX_AGE whatever happens.
    session_idle_timeout: int = 12 * 3600
    session_max_age: int = 14 * 24 * 3600
    # Reads and changes served at once by each server process (the others wait in order,
    # see capacity), how long one may wait for its turn, and how long a write may wait for
    # SQLite's write lock, before it is answered 503 with Retry-After. The connection pool
    # holds as many connections as requests are served at once, plus room for background
    # work.
    max_concurrent_requests: int = Field(default=8, ge=1, le=1000)
    max_concurrent_writes: int = Field(default=4, ge=1, le=1000)
    request_queue_timeout: float = Field(default=10.0, gt=0, le=300)
    write_lock_timeout: float = Field(default=10.0, gt=0, le=300)
    # On SQLite, an event that cannot have the write lock within this many seconds (an
    # import committing) is kept in the events inbox and answered 202 (events.inbox).
    event_queue_after: float = Field(default=1.0, gt=0, le=300)
    default_page_size: int = 50
    max_page_size: int = 500
    # The largest CSV an upload may carry (IMPORT_MAX_BYTES); larger ones are refused with
    # 413 before they are read. The CLI has no limit (it streams from disk).
    import_max_bytes: int = 2 * 1024**3
    # Where uploads wait between their dry run and their commit (IMPORT_DIR).
    import_dir: str = "var/imports"

    @model_validator(mode="after")
    def _a_real_secret(self) -> Settings:
        if self.environment == "production" and self.secret_key in (None, DEV_SECRET):
            raise ValueError("SECRET_KEY must be set to a real secret in production")
        if self.secret_key is None:
            self.secret_key = (secrets.token_urlsafe(48) if self.environment == "test"
                               else _kept_secret(Path(self.secret_key_file)))
        if self.cookie_secure is None:
            self.cookie_secure = self.environment == "production"
        if self.database_owner_url and not _same_database(self.database_owner_url,
                                                          self.database_url):
            raise ValueError("DATABASE_OWNER_URL must name the same database as DATABASE_URL "
                             "(another role, the same host, port and database)")
        return self

    @property
    def migration_url(self) -> str:
        return self.database_owner_url or self.database_url

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _same_database(one: str, other: str) -> bool:
    a, b = make_url(one), make_url(other)
    return (a.get_backend_name(), a.host, a.port, a.database) == (
        b.get_backend_name(), b.host, b.port, b.database)


def _kept_secret(path: Path) -> str:
    """The secret kept at ``path``, made (random, readable by its owner only) if missing."""
    try:
        return path.read_text().strip()
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    secret = secrets.token_urlsafe(48)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it first: use theirs
        return path.read_text().strip()
    with os.fdopen(fd, "w") as out:
        out.write(secret + "\n")
    return secret


@lru_cache
def get_settings() -> Settings:
    return Settings()
