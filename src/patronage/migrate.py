"""Upgrade the database schema to the newest Alembic revision, without data loss."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy.engine import make_url

from patronage.db import get_engine, make_engine
from patronage.settings import REPO_ROOT, get_settings
from patronage.tenancy import row_security


def alembic_config() -> Config:
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    return config


def upgrade() -> None:
    """Migrate as the tables' owner (DATABASE_OWNER_URL, else DATABASE_URL), then let the
    application's role, when it is another one, read and write the rows: the tables stay
    the owner's, and row-level security holds the application to one tenant at a time."""
    config = alembic_config()
    settings = get_settings()
    separate = settings.migration_url != settings.database_url
    engine = make_engine(settings.migration_url) if separate else get_engine()
    try:
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
            if connection.dialect.name == "postgresql":
                row_security.arrange_roles(connection,
                                           make_url(settings.database_url).username)
    finally:
        if separate:
            engine.dispose()


def pending() -> bool:
    """Whether the database is behind the code: never migrated, or migrations not run."""
    from alembic.runtime.migration import MigrationContext
    from alembic.script import ScriptDirectory

    heads = set(ScriptDirectory.from_config(alembic_config()).get_heads())
    with get_engine().connect() as connection:
        return set(MigrationContext.configure(connection).get_current_heads()) != heads


def bypassing_role() -> str | None:
    """On PostgreSQL, the application's role when row-level security does not hold it."""
    with get_engine().connect() as connection:
        if connection.dialect.name != "postgresql":
            return None
        return row_security.bypassed_by(connection)


def where() -> str:
    """The database's address as a message may show it (no password)."""
    from sqlalchemy.engine import make_url

    from patronage.settings import get_settings

    return make_url(get_settings().database_url).render_as_string(hide_password=True)
