"""The owner's reports in a browser: the charts draw from the page's JSON (no inline script), and changing
the clinic filter and the period changes the figures. Data: the hand-built March of the analytics tests."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from plugins.analytics.tests.conftest import month  # noqa: F401  (the hand-built March)

from .helpers import axe_violations, format_violations, sign_in


def figure(page: Page, slug: str):
    return page.locator(f"[data-metric='{slug}'] [data-value]").first


def test_owner_filters_the_dashboard_by_clinic_and_period(page: Page, month, screenshot):  # noqa: F811
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on(
        "console",
        lambda message: (
            message.type == "error"
            and "favicon" not in message.location.get("url", "")
            and errors.append(message.text)
        ),
    )
    sign_in(page, month.tenant.owner.email)

    page.goto(f"/office/c/{month.a.slug}/analytics/?period=custom&start=2026-03-01&end=2026-03-31")
    expect(page.get_by_role("heading", name="Reports", exact=True)).to_be_visible()
    expect(figure(page, "revenue_invoiced")).to_contain_text("300.00")
    expect(figure(page, "appointments_booked")).to_have_text("7")
    # Every chart is drawn by the static script, each with its data table.
    expect(page.locator("canvas[data-chart]").first).to_have_attribute("data-drawn", "1")
    assert page.locator("canvas[data-chart]").count() == page.locator("canvas[data-drawn='1']").count()
    expect(page.get_by_test_id("heatmap")).to_be_visible()

    # Riverside only.
    form = page.get_by_test_id("report-filter")
    form.get_by_label("Alpha Riverside").check()
    form.get_by_role("button", name="Show").click()
    expect(figure(page, "revenue_invoiced")).to_contain_text("120.00")
    expect(figure(page, "appointments_booked")).to_have_text("2")
    expect(page.get_by_test_id("report-period")).to_contain_text("Alpha Riverside")

    # The last three weeks of March at Riverside: nothing booked, nothing invoiced.
    form = page.get_by_test_id("report-filter")
    form.get_by_label("From").fill("2026-03-08")
    form.get_by_label("Until").fill("2026-03-31")
    form.get_by_role("button", name="Show").click()
    expect(page.get_by_test_id("report-period")).to_contain_text("8 Mar 2026 – 31 Mar 2026")
    expect(figure(page, "appointments_booked")).to_have_text("0")
    expect(figure(page, "revenue_invoiced")).to_contain_text("0.00")
    expect(page.get_by_test_id("report-freshness")).to_contain_text("Live figures")
    screenshot(page, "analytics-dashboard.png")

    violations = axe_violations(page)
    assert not violations, format_violations(violations)
    assert not errors, errors
