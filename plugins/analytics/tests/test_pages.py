"""The report pages: who sees which sections, the filter's bad input, CSV export, the PDF summary, and the
dashboard's query count (pinned, whatever the amount of data)."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.cache import cache
from django.urls import reverse
from django_scopes import scope

from plugins.analytics import rollup
from plugins.analytics.periods import Period

from .conftest import MARCH

MARCH_QUERY = {"period": "custom", "start": "2026-03-01", "end": "2026-03-31"}


def url(world, clinic=None, name="dashboard"):
    return reverse(f"office:analytics:{name}", kwargs={"clinic_slug": (clinic or world.a).slug})


def sections(response) -> set[str]:
    return {s["slug"] for s in response.context["report"].sections}


@pytest.mark.django_db
def test_owner_sees_every_section_with_charts_and_tables(month, login):
    client = login(month.tenant.owner)
    response = client.get(url(month), MARCH_QUERY)
    assert response.status_code == 200
    assert sections(response) >= {"revenue", "appointments", "patients", "utilization", "inventory"}
    html = response.content.decode()
    assert 'data-chart="chart-revenue-time"' in html
    assert '<script id="chart-revenue-time" type="application/json">' in html
    assert "<script>" not in html.replace('type="application/json">', "")  # no inline script
    assert 'data-testid="heatmap"' in html
    assert "Live figures" in html
    figure = response.context["report"].sections[0]["figures"][0]
    assert (figure["slug"], str(figure["value"])) == ("revenue_invoiced", "300.00")


@pytest.mark.django_db
def test_staff_see_operations_of_their_clinic_and_practitioners_their_own_activity(month, login):
    staff = login(month.tenant.staff)
    response = staff.get(url(month), MARCH_QUERY)
    assert response.status_code == 200
    assert "revenue" not in sections(response)
    assert {c.pk for c in response.context["report"].selection.clinics} == {month.a.pk}
    # Another clinic in the filter is not one of the choices: a form error, no figures.
    refused = staff.get(url(month), {**MARCH_QUERY, "clinics": [month.b.pk]})
    assert refused.status_code == 400
    assert refused.context["report"] is None
    # Staff do not work at Riverside: its reports are not found.
    assert staff.get(url(month, month.b)).status_code == 404

    doctor = login(month.tenant.practitioner)
    mine = doctor.get(url(month), MARCH_QUERY)
    assert mine.status_code == 200
    assert sections(mine) == {"appointments", "patients", "utilization"}
    selection = mine.context["report"].selection
    assert selection.practitioner == month.p.pk
    figures = {f["slug"]: f["value"] for s in mine.context["report"].sections for f in s["figures"]}
    assert figures["appointments_booked"] == 4  # P's own: Mar 2, 4 (no-show), 6 and 7 (cancelled)
    # Asking for someone else's figures changes nothing: the filter is not theirs to set.
    other = doctor.get(url(month), {**MARCH_QUERY, "practitioner": month.q.pk})
    assert other.context["report"].selection.practitioner == month.p.pk


@pytest.mark.django_db
def test_bad_input_gets_clear_errors(month, beta, login):
    client = login(month.tenant.owner)
    inverted = client.get(url(month), {"period": "custom", "start": "2026-03-31", "end": "2026-03-01"})
    assert inverted.status_code == 400
    assert "The end of the period is before its start." in inverted.content.decode()
    half = client.get(url(month), {"period": "custom", "start": "2026-03-01"})
    assert half.status_code == 400
    too_long = client.get(url(month), {"period": "custom", "start": "2020-01-01", "end": "2026-03-01"})
    assert too_long.status_code == 400
    garbage = client.get(url(month), {"period": "custom", "start": "yesterday", "end": "2026-03-01"})
    assert garbage.status_code == 400
    foreign = client.get(url(month), {**MARCH_QUERY, "clinics": [beta.clinic.pk]})
    assert foreign.status_code == 400
    assert beta.clinic.name not in foreign.content.decode()
    unknown_table = client.get(url(month), {**MARCH_QUERY, "export": "no-such-table"})
    assert unknown_table.status_code == 404
    empty = client.get(url(month), {"period": "custom", "start": "2019-01-01", "end": "2019-01-31"})
    assert empty.status_code == 200


@pytest.mark.django_db
def test_every_table_exports_as_csv(month, login):
    client = login(month.tenant.owner)
    page = client.get(url(month), MARCH_QUERY)
    tables = [t for s in page.context["report"].sections for t in s["tables"]]
    assert len(tables) >= 12
    for table in tables:
        response = client.get(url(month), {**MARCH_QUERY, "export": table["id"]})
        assert response.status_code == 200, table["id"]
        assert response["Content-Type"].startswith("text/csv")
        rows = list(csv.reader(io.StringIO(response.content.decode())))
        assert len(rows) == len(table["rows"]) + 1
    methods = client.get(url(month), {**MARCH_QUERY, "export": "revenue-method"})
    assert list(csv.reader(io.StringIO(methods.content.decode()))) == [
        ["Payment method", "Collected (EUR)"],
        ["Cash", "160.00"],
        ["Card", "30.00"],
    ]


@pytest.mark.django_db
def test_long_tables_show_their_leading_rows_and_export_every_row(month, login, monkeypatch):
    """A chain's 600 practitioners would make a page of 15,000 cells and an unreadable chart: the page
    shows the leading rows by the first column (here one, so the March data is enough) and says so."""
    from plugins.analytics.report import tables as report_tables

    monkeypatch.setattr(report_tables, "LEADING", 1)
    client = login(month.tenant.owner)
    page = client.get(url(month), MARCH_QUERY)
    tables = {t["id"]: t for s in page.context["report"].sections for t in s["tables"]}
    html = page.content.decode()

    by_practitioner = tables["revenue-practitioner"]
    assert len(by_practitioner["rows"]) >= 2
    assert len(by_practitioner["shown"]) == 1
    assert by_practitioner["shown"][0] == max(by_practitioner["rows"], key=lambda r: r["values"][0] or 0)
    assert by_practitioner["chart_data"]["labels"] == [by_practitioner["shown"][0]["label"]]
    note = f"The 1 leading of {len(by_practitioner['rows'])} rows by Invoiced; the CSV export has every row."
    assert note in html

    by_clinic = tables["revenue-clinic"]  # ranked once it no longer fits, in the clinics' order before
    assert [r["values"][0] for r in by_clinic["rows"]] == sorted(
        (r["values"][0] for r in by_clinic["rows"]), reverse=True
    )
    for table in (by_practitioner, by_clinic):
        exported = client.get(url(month), {**MARCH_QUERY, "export": table["id"]})
        assert len(list(csv.reader(io.StringIO(exported.content.decode())))) == len(table["rows"]) + 1

    assert 'data-testid="leading-revenue-time"' not in html  # time tables have no page limit


@pytest.mark.django_db
def test_monthly_summary_pdf_is_the_owners(month, login):
    owner = login(month.tenant.owner)
    response = owner.get(url(month, name="summary"), {"month": "2026-03"})
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    assert owner.get(url(month, name="summary"), {"month": "March"}).status_code == 400
    assert login(month.tenant.staff).get(url(month, name="summary")).status_code == 403
    assert login(month.tenant.practitioner).get(url(month, name="summary")).status_code == 403


def _roll_up(world, clinics, first, last):
    """Roll up the days that hold data, and cover the rest as computed (they have no rows to add)."""
    from django.utils import timezone

    from plugins.analytics import visits
    from plugins.analytics.models import RolledDay

    with scope(organization=world.tenant.org.pk):
        for clinic in clinics:
            visits.fill(clinic)
            rollup.recompute(clinic, [date(2026, 2, 10), *MARCH.each_day()])
            RolledDay.objects.bulk_create(
                [
                    RolledDay(
                        organization=world.tenant.org, clinic=clinic, day=day, computed_at=timezone.now()
                    )
                    for day in Period(first, last).each_day()
                ],
                ignore_conflicts=True,
            )


@pytest.mark.django_db
def test_dashboard_query_count_is_pinned(month, login, django_assert_max_num_queries):
    """From the roll-ups the page costs the same number of queries whatever the amount of data, the number
    of clinics or the length of the period."""
    from core.tenancy.models import Clinic, MembershipClinic

    _roll_up(month, [month.a, month.b], date(2025, 10, 1), date(2026, 3, 31))
    client = login(month.tenant.owner)
    client.get(url(month), MARCH_QUERY)  # warm caches shared by every page (session, modules)
    cache.clear()
    with django_assert_max_num_queries(21) as captured:
        response = client.get(url(month), MARCH_QUERY)
    assert response.context["report"].mode == "rollup"
    assert "daily roll-ups" in response.content.decode()
    # The request and the filter, the coverage, the three roll-up reads, one for every distinct-patient
    # figure, stock right now by clinic: none per clinic, none per row of data.
    counted = len(captured)
    # Until the roll-ups change, the same report reads the sums and the distinct patients from the cache;
    # stock is still asked (it is "right now").
    with django_assert_max_num_queries(counted - 4) as cached:
        again = client.get(url(month), MARCH_QUERY)
    assert again.context["report"].sections == response.context["report"].sections
    assert not [q for q in cached if "analytics_dailyfigure" in q["sql"] or "patientvisits" in q["sql"]]
    quarter = {"period": "custom", "start": "2026-01-01", "end": "2026-03-31"}
    cache.clear()  # as cold as the first request (the session too is read from the cache otherwise)
    with django_assert_max_num_queries(counted) as long_period:
        response = client.get(url(month), quarter)
    assert response.context["report"].mode == "rollup"
    assert response.context["report"].selection.period.monthly()
    quarter_queries = len(long_period)  # read now: the connection keeps only the last 9,000 queries
    with scope(organization=month.tenant.org.pk):
        third = Clinic.objects.create(
            organization=month.tenant.org,
            name="Third",
            slug="third",
            timezone="Europe/Berlin",
            currency="EUR",
        )
        MembershipClinic.objects.create(
            organization=month.tenant.org, membership=month.tenant.memberships["owner"], clinic=third
        )
    _roll_up(month, [third], date(2025, 10, 1), date(2026, 3, 31))
    client.get(url(month), MARCH_QUERY)
    cache.clear()
    with django_assert_max_num_queries(counted) as more_clinics:
        response = client.get(url(month), MARCH_QUERY)
    assert response.context["report"].mode == "rollup"
    assert len(response.context["report"].selection.clinics) == 3
    assert quarter_queries == len(more_clinics) == counted


@pytest.mark.django_db
def test_office_dashboard_widget_reads_this_month_from_the_rollups(month, login):
    from django.utils import timezone

    from .conftest import appointment

    with scope(organization=month.tenant.org.pk):
        today = timezone.now().astimezone(month.a.tzinfo)
        start = today.replace(hour=0, minute=5, second=0, microsecond=0)
        consultation = month.services["consultation"]
        appointment(month, month.a, month.p, month.patients[1], consultation, start, 30, "booked")
        rollup.recompute_day(month.a, today.date())
    owner = login(month.tenant.owner)
    owner.post(reverse("office:switch_clinic"), {"clinic": month.a.slug})
    page = owner.get(reverse("office:dashboard")).content.decode()
    assert 'data-testid="analytics-widget"' in page
    assert "Invoiced" in page
    widget = page[page.index('data-testid="analytics-widget"') :]
    assert '<dd class="text-lg font-semibold">1</dd>' in widget[:600]
    staff = login(month.tenant.staff).get(reverse("office:dashboard")).content.decode()
    assert 'data-testid="analytics-widget"' in staff
    assert "Invoiced" not in staff.split("analytics-widget")[1][:800]
    doctor = login(month.tenant.practitioner).get(reverse("office:dashboard")).content.decode()
    assert 'data-testid="analytics-widget"' not in doctor


@pytest.mark.django_db
def test_table_rows_write_what_a_template_loop_would(month):
    """The data tables' rows are written in one pass for speed; the markup is the template loop's, labels
    escaped."""
    from django.template import engines

    from plugins.analytics.report.build import build
    from plugins.analytics.report.selection import Selection

    with scope(organization=month.tenant.org.pk):
        result = build(
            Selection(organization_id=month.tenant.org.pk, clinics=[month.a, month.b], period=MARCH)
        )
    engine = engines["django"]
    loop = engine.from_string(
        "{% load analytics_format %}{% for row in table.shown %}"
        '<tr><th scope="row" class="font-normal">{{ row.label }}</th>'
        '{% for cell in row.cells %}<td class="text-right">{{ cell.value|figure:cell.unit }}</td>{% endfor %}'
        "</tr>{% endfor %}"
    )
    tag = engine.from_string("{% load analytics_format %}{% table_rows table %}")
    tables = [t for s in result.sections for t in s["tables"] if t["rows"]]
    assert len(tables) > 10
    for table in tables:
        assert tag.render({"table": table}) == loop.render({"table": table}), table["id"]
    table = {"shown": [{"label": "<b>Dr & Co</b>", "cells": [{"value": None, "unit": "count"}]}]}
    assert "&lt;b&gt;Dr &amp; Co&lt;/b&gt;" in tag.render({"table": table})
