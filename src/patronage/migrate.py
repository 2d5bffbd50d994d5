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
