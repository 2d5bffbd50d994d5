"""Upgrade the database schema to the newest Alembic revision, without data loss."""

from __future__ import annotations

from alembic import command
from alembic.config import Config

from patronage.db import get_engine
from patronage.settings import REPO_ROOT


def alembic_config() -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    return config


def upgrade() -> None:
    config = alembic_config()
    with get_engine().begin() as connection:
        config.attributes["connection"] = connection
        command.upgrade(config, "head")


def pending() -> bool:
    """Whether the database is behind the code: never migrated, or migrations not run."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with get_engine().connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) != heads


def where() -> str:
    """The database's address as a message may show it (no password)."""
    from sqlalchemy.engine import make_url

    from patronage.settings import get_settings

    return make_url(get_settings().database_url).render_as_string(hide_password=True)
