"""A workspace's storefront rules (guest checkout per device, how shoppers sign up) and
what sales reps may edit, with every change kept."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    JSON,
    CheckConstraint,
    ForeignKeyConstraint,
    Index,
    Integer,
    String,
)
from sqlalchemy.orm import Mapped, mapped_column

from patronage.db import Base, TenantScoped, UTCDateTime, tenant_row_key, utcnow

DEVICES = ("web", "ios", "android")
CHECKOUT_MODES = ("enabled", "disabled_cart_available", "disabled_cart_unavailable",
                  "disabled_cart_unavailable_hide_prices")
SIGNUP_METHODS = ("email", "phone", "both")
REP_EDIT_SCOPES = ("all", "own")


def _in(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(v) for v in values)})"


class WorkspaceSettings(TenantScoped, Base):
    """One row per workspace that changed a default (none: every default)."""

    __tablename__ = "workspace_settings"
    __table_args__ = (
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        *(CheckConstraint(_in(f"checkout_{d}", CHECKOUT_MODES), name=f"checkout_{d}")
          for d in DEVICES),
        CheckConstraint(_in("signup_methods", SIGNUP_METHODS), name="signup_methods"),
        CheckConstraint(_in("rep_edit_scope", REP_EDIT_SCOPES), name="rep_edit_scope"),
    )

    tenant_id: Mapped[int] = mapped_column(Integer, primary_key=True)
    checkout_web: Mapped[str] = mapped_column(String(40), default="enabled")
    checkout_ios: Mapped[str] = mapped_column(String(40), default="enabled")
    checkout_android: Mapped[str] = mapped_column(String(40), default="enabled")
    signup_methods: Mapped[str] = mapped_column(String(10), default="both")
    rep_edit_scope: Mapped[str] = mapped_column(String(10), default="all")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SettingChange(TenantScoped, Base):
    """One change of one workspace setting: who, when, from what to what."""

    __tablename__ = "setting_changes"
    __table_args__ = (
        tenant_row_key(),
        ForeignKeyConstraint(["tenant_id"], ["tenants.id"], ondelete="CASCADE"),
        Index("ix_setting_changes_tenant_at", "tenant_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    tenant_id: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    user_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(254))
    setting: Mapped[str] = mapped_column(String(40))
    old_value: Mapped[object | None] = mapped_column(JSON)
    new_value: Mapped[object | None] = mapped_column(JSON)
