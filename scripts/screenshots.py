"""Screenshots of the main admin pages, for looking at what we build.

Usage: python scripts/screenshots.py BASE_URL WORKSPACE EMAIL PASSWORD [OUT_DIR]
"""

from __future__ import annotations

import sys
from pathlib import Path

from playwright.sync_api import sync_playwright

ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def main(base: str, workspace: str, email: str, password: str, out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=ARGS)
        page = browser.new_page(viewport={"width": 1440, "height": 900})
        page.goto(f"{base}/login")
        page.screenshot(path=out / "01-login.png")
        page.fill("input[name=workspace]", workspace)
        page.fill("input[name=email]", email)
        page.fill("input[name=password]", password)
        page.click("button[type=submit]")
        page.wait_for_url("**/customers")
        page.screenshot(path=out / "02-list.png")
        page.goto(f"{base}/customers/new?type=registered")
        page.fill("input[name=first_name]", "Ana")
        page.fill("input[name=email]", "ana@@example")
        page.fill("input[name=phone]", "123")
        page.click("form.form button[type=submit]")
        page.screenshot(path=out / "03-add-form-errors.png", full_page=True)
        page.goto(f"{base}/customers")
        page.click("table a.row-link >> nth=0")
        page.screenshot(path=out / "04-customer.png", full_page=True)
        page.click("text=Edit customer")
        page.screenshot(path=out / "05-edit.png")
        page.goto(f"{base}/settings")
        page.screenshot(path=out / "06-settings.png", full_page=True)
        browser.close()


if __name__ == "__main__":
    base, workspace, email, password = sys.argv[1:5]
    main(base, workspace, email, password, Path(sys.argv[5] if len(sys.argv) > 5
                                                  else "screenshots"))
