"""The stable codes of what can be wrong with a customer, the same whichever door it came
through: the API's problem details, the admin form, an event's answer, an import's row
report. Shape codes are pydantic's own names (what the API's schema answers), so an
import's cell says the same as the API's field."""

from __future__ import annotations

from enum import StrEnum


class CustomerCode(StrEnum):
    # rules of the workspace
    REQUIRED = "required"
    UNKNOWN_REFERENCE = "unknown_reference"
    DUPLICATE_LICENSE_NUMBER = "duplicate_license_number"
    DUPLICATE_EXTERNAL_ID = "duplicate_external_id"
    NO_CUSTOMER_KEY = "no_customer_key"
    # normalisers (types.py)
    INVALID_EMAIL = "invalid_email"
    INVALID_PHONE = "invalid_phone"
    INVALID_STATE = "invalid_state"
    INVALID_ZIP = "invalid_zip"
    INVALID_LICENSE_NUMBER = "invalid_license_number"
    INVALID_CHARACTERS = "invalid_characters"
    DATETIME_OUT_OF_RANGE = "datetime_out_of_range"
    # shapes, as pydantic names them
    TOO_LONG = "string_too_long"
    NOT_A_CODE = "string_pattern_mismatch"
    NOT_A_CHOICE = "literal_error"
    NOT_YES_OR_NO = "bool_parsing"
    NOT_A_WHOLE_NUMBER = "int_parsing"
    NOT_A_DATE = "date_from_datetime_parsing"
    NOT_A_TIME = "datetime_from_date_parsing"
    TOO_SMALL = "greater_than_equal"
    TOO_LARGE = "less_than_equal"
    NOT_A_NUMBER = "decimal_parsing"
    # reading the directory
    UNKNOWN_COLUMN = "unknown_column"
    INVALID_CURSOR = "invalid_cursor"
