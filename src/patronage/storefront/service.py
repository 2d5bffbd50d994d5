"""A workspace's storefront rules: read (cached: a storefront asks on every page view),
changed by admins (each change kept), and what they say to a guest or of an event."""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from patronage.db import begin_writing, utcnow
from patronage.storefront.codes import StorefrontCode
from patronage.storefront.models import DEVICES, SettingChange, WorkspaceSettings
from patronage.storefront.schemas import CheckoutPolicy, EventWarning, SettingChangeOut
from patronage.tenancy.schemas import Principal
from patronage.tenancy.service import require_admin

# What a guest on a device sees and may do in each mode: (show prices, add to cart,
# check out), and the one line the settings page says of it.
MODES: dict[str, tuple[tuple[bool, bool, bool], str, str]] = {
    "enabled": ((True, True, True), "Guest checkout",
                "Guests see prices, fill a cart and check out without an account."),
    "disabled_cart_available": ((True, True, False), "Sign in to check out",
                                "Guests see prices and fill a cart; they sign in or sign up "
                                "to check out."),
    "disabled_cart_unavailable": ((True, False, False), "Sign in to shop",
                                  "Guests see prices but need an account to add to cart."),
    "disabled_cart_unavailable_hide_prices": ((False, False, False), "Members only",
                                              "Guests see products without prices; they "
                                              "sign in to see prices and buy."),
}
SIGNUP = {"email": ("Email", "A shopper signs up with their email, name and address."),
          "phone": ("Phone", "A shopper signs up with their phone number; the name and "
                    "address can wait until the first order."),
          "both": ("Email or phone", "The shopper chooses.")}
DEVICE_NAMES = {"web": "Web", "ios": "iOS app", "android": "Android app"}
_ON = {"web": "the web", "ios": "the iOS app", "android": "the Android app"}
SETTINGS = ("checkout_web", "checkout_ios", "checkout_android", "signup_methods",
            "rep_edit_scope")


@dataclass(frozen=True)
class Rules:
    checkout_web: str = "enabled"
    checkout_ios: str = "enabled"
    checkout_android: str = "enabled"
    signup_methods: str = "both"
    rep_edit_scope: str = "all"

    def checkout(self, device: str) -> str:
        return getattr(self, f"checkout_{device}")


# Cached per workspace for a few seconds: a change made here is seen at once, one made by
# another server process within CACHE_SECONDS.
CACHE_SECONDS = 5.0
_cache: dict[int, tuple[float, Rules]] = {}
_lock = threading.Lock()


def rules(session: Session, tenant_id: int) -> Rules:
    hit = _cache.get(tenant_id)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    row = session.execute(select(*(WorkspaceSettings.__table__.c[s] for s in SETTINGS))
                          .where(WorkspaceSettings.tenant_id == tenant_id)).first()
    found = Rules(*row) if row is not None else Rules()
    with _lock:
        _cache[tenant_id] = (now + CACHE_SECONDS, found)
    return found


def forget(tenant_id: int | None = None) -> None:
    with _lock:
        if tenant_id is None:
            _cache.clear()
        else:
            _cache.pop(tenant_id, None)


def change(session: Session, principal: Principal, values: dict[str, str]) -> Rules:
    """Set some settings (admins); each one that changes is kept in the change log."""
    require_admin(principal)
    tenant_id = principal.tenant_id
    begin_writing(session)  # two admins saving at once: one after the other
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    now = utcnow()
    session.execute(dialect.insert(WorkspaceSettings).values(
        tenant_id=tenant_id, updated_at=now, **vars(Rules())).on_conflict_do_nothing())
    row = session.scalars(select(WorkspaceSettings).where(
        WorkspaceSettings.tenant_id == tenant_id).with_for_update()).one()
    for name, value in values.items():
        old = getattr(row, name)
        if old == value:
            continue
        setattr(row, name, value)
        session.add(SettingChange(tenant_id=tenant_id, at=now, user_id=principal.user_id,
                                  actor=principal.email, setting=name, old_value=old,
                                  new_value=value))
    row.updated_at = now
    session.commit()
    forget(tenant_id)
    return rules(session, tenant_id)


def changes(session: Session, tenant_id: int, limit: int = 20) -> list[SettingChangeOut]:
    rows = session.scalars(select(SettingChange).where(SettingChange.tenant_id == tenant_id)
                           .order_by(SettingChange.id.desc()).limit(limit))
    return [SettingChangeOut.model_validate(r) for r in rows]


def checkout(found: Rules) -> dict[str, str]:
    return {d: found.checkout(d) for d in DEVICES}


def policy(found: Rules, device: str) -> CheckoutPolicy:
    mode = found.checkout(device)
    (show, cart, buy), _label, _text = MODES[mode]
    return CheckoutPolicy.model_construct(device=device, mode=mode, show_prices=show,
                                          add_to_cart=cart, checkout=buy)


def guest_order_warning(found: Rules, device: str | None, number: str) -> EventWarning | None:
    """An order a guest placed on a device where guests may not check out."""
    if device is None or found.checkout(device) == "enabled":
        return None
    label = MODES[found.checkout(device)][1]
    return EventWarning(code=StorefrontCode.GUEST_CHECKOUT_DISABLED, detail=(
        f"Order {number} was placed by a guest on {_ON[device]}, where guest "
        f"checkout is off ({label}). It is recorded; the storefront should have asked the "
        "shopper to sign in."))


def signup_warning(found: Rules, method: str) -> EventWarning | None:
    """A sign-up by a method the workspace does not offer."""
    if found.signup_methods in ("both", method):
        return None
    return EventWarning(code=StorefrontCode.SIGNUP_METHOD_NOT_ALLOWED, detail=(
        f"The shopper signed up by {method}, but this workspace lets shoppers sign up by "
        f"{found.signup_methods} only. The sign-up is recorded; check the storefront's "
        "sign-up form."))


def warnings_of(data: dict[str, Any] | None) -> list[EventWarning]:
    """The warnings kept with an event's timeline entry."""
    return [EventWarning(**w) for w in (data or {}).get("warnings", ())]
