"""The admin's signed-in sessions: what a session cookie holds, and when it stops counting
(its member's session version moved, it sat idle too long, or it is simply too old)."""

from __future__ import annotations

import time
from collections.abc import MutableMapping
from typing import Any

from patronage.settings import get_settings
from patronage.tenancy.schemas import Principal


def now() -> float:
    return time.time()


def start(cookie: MutableMapping[str, Any], principal: Principal) -> None:
    """A fresh session for ``principal`` (and a fresh CSRF token: no fixation)."""
    cookie.clear()
    at = now()
    cookie.update({"tenant_id": principal.tenant_id, "user_id": principal.user_id,
                   "workspace": principal.tenant_slug, "sv": principal.session_version,
                   "issued": at, "seen": at})


def still_valid(cookie: MutableMapping[str, Any], principal: Principal) -> bool:
    """Whether the session still speaks for ``principal``; marks it seen when it does."""
    settings, at = get_settings(), now()
    valid = (cookie.get("sv") == principal.session_version
             and at - float(cookie.get("seen", 0)) <= settings.session_idle_timeout
             and at - float(cookie.get("issued", 0)) <= settings.session_max_age)
    if valid:
        cookie["seen"] = at
    return valid
