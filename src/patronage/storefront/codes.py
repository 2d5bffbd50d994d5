"""The stable codes of the storefront rules: a device the policy does not know, and the
warnings an event's answer carries when a storefront let through what the rules forbid."""

from __future__ import annotations

from enum import StrEnum


class StorefrontCode(StrEnum):
    UNKNOWN_DEVICE = "unknown_device"
    GUEST_CHECKOUT_DISABLED = "guest_checkout_disabled"
    SIGNUP_METHOD_NOT_ALLOWED = "signup_method_not_allowed"
