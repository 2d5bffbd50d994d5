"""Postal rules of an address, where a well-kept source has them: in the United States a
state (or territory, or the military "states" AA/AE/AP) by its USPS code — a name is taken
and written as its code — and a ZIP code of 5 digits or ZIP+4. Addresses of other countries
are kept as typed."""

from __future__ import annotations

import re
from collections.abc import MutableMapping
from typing import Any

import us

from patronage.customers.codes import CustomerCode

MILITARY = {"AA", "AE", "AP"}  # USPS codes of the armed forces' mail
_ZIP = re.compile(r"([0-9]{5})(?:[- ]?([0-9]{4}))?")


def applies(values: MutableMapping[str, Any], region: str) -> bool:
    """US rules: for a US address, or one without a country in a US workspace."""
    country = (values.get("country") or "").upper()
    return country == "US" or (not country and region.upper() == "US")


def us_problems(values: MutableMapping[str, Any], region: str) -> list[tuple[str, str, str]]:
    """Write a US address's state and ZIP in their USPS form, in place; return (field,
    message, code) for each that is not one."""
    if not applies(values, region):
        return []
    problems = []
    state = values.get("state")
    if isinstance(state, str) and state.strip():
        code = state.strip().upper()
        if code not in MILITARY:
            found = us.states.lookup(state.strip())
            code = found.abbr if found is not None else ""
        if code:
            values["state"] = code
        else:
            problems.append(("state", f"'{state.strip()}' is not a US state: use its two-letter "
                                      "code (CA, NY, DC, PR…).", CustomerCode.INVALID_STATE))
    zip_code = values.get("zip")
    if isinstance(zip_code, str) and zip_code.strip():
        match = _ZIP.fullmatch(zip_code.strip())
        if match:
            values["zip"] = match[1] + (f"-{match[2]}" if match[2] else "")
        else:
            problems.append(("zip", f"'{zip_code.strip()}' is not a US ZIP code: 5 digits, or "
                                    "ZIP+4 (94105-1234).", CustomerCode.INVALID_ZIP))
    return problems
