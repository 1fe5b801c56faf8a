"""axe-core on the pages used all day: no serious or critical accessibility violations."""

from __future__ import annotations

from playwright.sync_api import Page

from .helpers import axe_violations, format_violations, sign_in


def test_no_serious_accessibility_violations(page: Page, alpha):
    found = {}

    def audit(name: str, path: str) -> None:
        page.goto(path)
        violations = axe_violations(page)
        if violations:
            found[name] = violations

    audit("sign in", "/accounts/login/")
    audit("sign up", "/accounts/signup/")
    sign_in(page, alpha.owner.email)  # the owner sees the most: settings, module links and widgets
    audit("dashboard", "/office/")
    audit("patient list", "/office/patients/")
    audit("patient detail", f"/office/patients/{alpha.patient.pk}/")

    assert not found, format_violations(found)
