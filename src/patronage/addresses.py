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

# USPS codes beyond the states and territories `us` lists: the armed forces' mail, and the
# freely associated states USPS delivers to.
EXTRA = {"AA", "AE", "AP", "FM", "MH", "PW"}
# A state by its code or its name, exactly (no sound-alike or FIPS guesses).
_STATES = {**{s.abbr.lower(): s.abbr for s in us.states.STATES_AND_TERRITORIES},
           **{s.name.lower(): s.abbr for s in us.states.STATES_AND_TERRITORIES},
           **{code.lower(): code for code in EXTRA}}
_ZIP = re.compile(r"([0-9]{5})(?:[- ]?([0-9]{4}))?")


def applies(values: MutableMapping[str, Any], region: str, stored_country: str | None = None
            ) -> bool:
    """US rules: for a US address, or one without a country in a US workspace (the country
    given, else the one stored, for a change of some fields)."""
    country = ((values["country"] if "country" in values else stored_country) or "").upper()
    return country == "US" or (not country and region.upper() == "US")


def us_problems(values: MutableMapping[str, Any], region: str,
                stored_country: str | None = None) -> list[tuple[str, str, str]]:
    """Write a US address's state and ZIP in their USPS form, in place; return (field,
    message, code) for each that is not one."""
    if not applies(values, region, stored_country):
        return []
    problems = []
    state = values.get("state")
    if isinstance(state, str) and state.strip():
        code = _STATES.get(state.strip().lower(), "")
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
