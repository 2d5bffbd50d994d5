"""The storefront settings, the checkout policy a storefront asks for, and the warnings an
event's answer carries when the storefront let through what the rules forbid."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Device = Literal["web", "ios", "android"]
CheckoutMode = Literal["enabled", "disabled_cart_available", "disabled_cart_unavailable",
                       "disabled_cart_unavailable_hide_prices"]
SignupMethods = Literal["email", "phone", "both"]
RepEditScope = Literal["all", "own"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CheckoutSettings(_Strict):
    """Guest checkout, one mode per device type."""

    web: CheckoutMode
    ios: CheckoutMode
    android: CheckoutMode


class SignupSettings(_Strict):
    methods: SignupMethods = Field(description="How shoppers may sign up: by email (with "
                                   "name and address), by phone (name may wait until the "
                                   "first order), or either.")


class PermissionSettings(_Strict):
    rep_edit_scope: RepEditScope = Field(description="`all`: sales reps edit every "
                                         "customer; `own`: only customers assigned to them.")


class CheckoutPolicy(BaseModel):
    device: Device
    mode: CheckoutMode
    show_prices: bool
    add_to_cart: bool
    checkout: bool


class EventWarning(BaseModel):
    code: Literal["guest_checkout_disabled", "signup_method_not_allowed"]
    detail: str


class SettingChangeOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    at: datetime
    actor: str
    setting: str
    old_value: Any = None
    new_value: Any = None
