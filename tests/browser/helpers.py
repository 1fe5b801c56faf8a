"""Shared steps for the browser tests: signing in through the login page and running axe-core."""

from __future__ import annotations

import json
import os
from pathlib import Path

from playwright.sync_api import Page

from tests.factories import PASSWORD

CHROMIUM = os.environ.get("EHR_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
DESKTOP = {"width": 1280, "height": 800}
TABLET = {"width": 820, "height": 1180}

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"


def sign_in(page: Page, email: str, password: str = PASSWORD) -> None:
    """Sign in through the real login page and wait for the back office."""
    page.goto("/accounts/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url("**/office/")


def axe_violations(page: Page, impacts: tuple[str, ...] = ("serious", "critical")) -> list[dict]:
    """Run axe-core on the current page; the violations of the given impacts, trimmed for a readable diff."""
    if not page.evaluate("() => typeof window.axe !== 'undefined'"):
        page.add_script_tag(path=str(AXE))
    results = page.evaluate("async () => await window.axe.run(document)")
    return [
        {
            "id": v["id"],
            "impact": v["impact"],
            "help": v["help"],
            "nodes": [n["target"] for n in v["nodes"]][:5],
        }
        for v in results["violations"]
        if v["impact"] in impacts
    ]


def format_violations(violations: list[dict]) -> str:
    return json.dumps(violations, indent=2)


def choose_patient(scope, page, name: str) -> None:
    """Pick ``name`` with the patient type-ahead inside ``scope`` (a page, a dialog or a form)."""
    picker = scope.get_by_role("combobox", name="Patient")
    picker.fill(name.split()[-1])
    family = name.split()[-1]  # options read "Family, Given · born …"
    page.locator("[data-picker-listbox]").get_by_role("option").filter(has_text=family).first.click()
