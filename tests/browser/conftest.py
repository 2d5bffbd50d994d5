"""A live uvicorn server on a free loopback port, and Debian's Chromium for Playwright."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from playwright.sync_api import expect

from tests.live import serving

# A loaded machine (CI, the other core busy) answers slower than Playwright's 5 s default:
# every expectation waits up to 20 s (a passing one returns as soon as it holds).
expect.set_options(timeout=20_000)

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):  # type: ignore[no-untyped-def]
    return {**browser_type_launch_args,
            "executable_path": os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium"),
            "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def live_server(migrated) -> Iterator[str]:  # type: ignore[no-untyped-def]
    with serving() as base:
        yield base
