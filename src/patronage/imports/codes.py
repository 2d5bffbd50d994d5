"""The stable codes of an import refused whole (the file) or a row refused (its report);
a cell's own problem carries the customer's code (customers.codes), as the API's field."""

from __future__ import annotations

from enum import StrEnum


class ImportCode(StrEnum):
    # the file
    EMPTY_FILE = "empty_file"
    NO_ROWS = "no_rows"
    BINARY_FILE = "binary_file"
    BAD_CSV = "bad_csv"
    DUPLICATE_HEADER = "duplicate_header"
    MISSING_HEADER = "missing_header"
    TOO_MANY_COLUMNS = "too_many_columns"
    MISSING_REQUIRED_COLUMN = "missing_required_column"
    UNKNOWN_FIELD = "unknown_field"
    # a row
    WRONG_CELL_COUNT = "wrong_cell_count"
    DUPLICATE_ROW = "duplicate_row"
