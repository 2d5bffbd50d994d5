"""The stable codes of an event refused (besides a customer's own, customers.codes)."""

from __future__ import annotations

from enum import StrEnum


class EventCode(StrEnum):
    INVALID_EVENT_TYPE = "invalid_event_type"
    NOT_AN_OBJECT = "invalid_type"
    DUPLICATE_ORDER = "duplicate_order"
    UNKNOWN_ORDER = "unknown_order"
    UNKNOWN_STORE = "unknown_store"
    CATEGORY_NOT_ALLOWED = "category_not_allowed"
    AGE_LIMITED_NOT_ALLOWED = "age_limited_not_allowed"
    IDEMPOTENCY_KEY_REUSED = "idempotency_key_reused"
    ORDER_TOTAL_TOO_LARGE = "order_total_too_large"
    TOTAL_SPENT_TOO_LARGE = "total_spent_too_large"
