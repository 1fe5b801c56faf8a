"""Invoices with payments for the scale dataset, written the way billing writes them.

Each invoice bills one completed visit. As in ``plugins.billing.services``: the invoice is created as a
draft with its line (the line trigger accepts lines of drafts only), then issued — the clinic's series row
holds the next number, and one UPDATE statement sets each invoice's number, dates, seller, buyer and totals
while the row is still a draft, which the frozen-invoice trigger allows — then payments are appended and
only the settlement columns (status, paid total, balance) move. No trigger is disabled; audit triggers fire
for every row. All of it is one transaction, with the tables' foreign keys and plain indexes added back
(and so checked over every row) before it commits (``bench.copy.checked_after_load``).
"""

from __future__ import annotations

import json
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from django.db import connection
from django.utils import timezone

from plugins.billing.models import (
    AppliesTo,
    BillingProfile,
    Invoice,
    InvoiceLine,
    InvoiceSeries,
    Payment,
    SeriesKind,
    TaxRate,
)

from .copy import bulk_load, checked_after_load, copy_rows, reserve_ids

TAX_NAME = "Medical services"
TERMS_DAYS = 14


def generate(plan, invoices: int, rng) -> int:
    """Bill ``invoices`` completed visits (sampled evenly) of the organizations in ``plan``."""
    organizations = [org["org"] for org in plan]
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT a.id, a.organization_id, a.clinic_id, a.practitioner_id, a.patient_id,
                   (a.start AT TIME ZONE c.timezone)::date, s.name, s.price, c.currency,
                   p.given_name, p.family_name, p.record_number, p.preferred_language, c.locale
            FROM scheduling_appointment a
            JOIN tenancy_clinic c ON c.id = a.clinic_id
            JOIN scheduling_service s ON s.id = a.service_id
            JOIN patients_patient p ON p.id = a.patient_id
            WHERE a.organization_id = ANY(%s) AND a.status = 'completed'
            ORDER BY a.id
            """,
            [organizations],
        )
        visits = cursor.fetchall()
    if not visits or invoices <= 0:
        return 0
    share = min(1.0, invoices / len(visits))
    visits = [v for v in visits if rng.random() < share]
    _clinic_settings(plan)
    series = _series(plan, visits)
    ids = iter(reserve_ids(Invoice, len(visits)))
    now = timezone.now()
    drafts, lines, issues = [], [], []
    numbers: dict[tuple[int, int], int] = defaultdict(int)
    # Numbers follow the issue dates within each clinic and year, as issuing one by one gives them.
    for v in sorted(visits, key=lambda v: (v[2], v[5], v[0])):
        aid, oid, cid, mid, pid, day, service, price, currency, given, family, record, language, locale = v
        iid = next(ids)
        net = Decimal(price)
        breakdown = [{"name": TAX_NAME, "rate": "0", "exempt": True, "net": str(net), "tax": "0.00"}]
        drafts.append(
            (
                iid,
                oid,
                cid,
                pid,
                mid,
                "draft",
                currency,
                net,
                Decimal(0),
                net,
                json.dumps(breakdown),
                net,
                now,
            )
        )
        lines.append(
            (oid, iid, 1, "appointment", str(aid), service, Decimal(1), net, TAX_NAME, Decimal(0), True)
            + (net, Decimal(0), net)
        )
        numbers[(cid, day.year)] += 1
        sequence = numbers[(cid, day.year)]
        buyer = {"name": f"{given} {family}".strip(), "record_number": f"{record:06d}", "address": ""}
        issues.append(
            (
                iid,
                series[cid]["id"],
                sequence,
                f"{series[cid]['prefix']}-{day.year}-{sequence:04d}",
                day,
                day + timedelta(days=TERMS_DAYS),
                json.dumps(series[cid]["seller"]),
                json.dumps(buyer),
                language or locale,
                datetime(day.year, day.month, day.day, 17, tzinfo=UTC),
            )
        )
    with checked_after_load(Invoice, InvoiceLine, Payment):
        # Drafts carry the totals their lines give them, as adding a line refreshes them.
        copy_rows(
            Invoice,
            [
                "id",
                "organization",
                "clinic",
                "patient",
                "practitioner",
                "status",
                "currency",
                "net_total",
                "tax_total",
                "gross_total",
                "tax_breakdown",
                "balance",
                "created_at",
            ],
            drafts,
        )
        copy_rows(
            InvoiceLine,
            [
                "organization",
                "invoice",
                "position",
                "kind",
                "reference",
                "description",
                "quantity",
                "unit_price",
                "tax_name",
                "tax_rate",
                "tax_exempt",
                "net_amount",
                "tax_amount",
                "gross_amount",
            ],
            lines,
        )
        _issue(issues)
        _pay(drafts, issues, rng)
    return len(drafts)


def _clinic_settings(plan) -> None:
    rows = [(org["org"], cid) for org in plan for cid in org["clinics"]]
    with connection.cursor() as cursor:
        cursor.execute("SELECT id, name FROM tenancy_clinic WHERE id = ANY(%s)", [[cid for _, cid in rows]])
        names = dict(cursor.fetchall())
    copy_rows(
        BillingProfile,
        ["organization", "clinic", "legal_name", "payment_terms_days"],
        [(oid, cid, names[cid], TERMS_DAYS) for oid, cid in rows],
    )
    copy_rows(
        TaxRate,
        ["organization", "clinic", "name", "rate", "applies_to", "exempt", "is_default", "active"],
        [(oid, cid, TAX_NAME, Decimal(0), AppliesTo.SERVICES, True, True, True) for oid, cid in rows],
    )


def _series(plan, visits) -> dict[int, dict]:
    """Each clinic's invoice series, its next number already past the invoices of this year."""
    this_year = timezone.localdate().year
    this_years = defaultdict(int)
    for v in visits:
        if v[5].year == this_year:
            this_years[v[2]] += 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT id, name, email, phone FROM tenancy_clinic WHERE id = ANY(%s)",
            [[cid for org in plan for cid in org["clinics"]]],
        )
        clinics = {row[0]: row[1:] for row in cursor.fetchall()}
    ids = iter(reserve_ids(InvoiceSeries, len(clinics)))
    series, rows = {}, []
    for org in plan:
        for cid in org["clinics"]:
            sid = next(ids)
            name, email, phone = clinics[cid]
            prefix = f"C{cid}"
            seller = {
                "name": name,
                "clinic": name,
                "address": "",
                "tax_id": "",
                "email": email,
                "phone": phone,
                "footer": "",
                "payment_terms_days": TERMS_DAYS,
            }
            series[cid] = {"id": sid, "prefix": prefix, "seller": seller}
            rows.append(
                (sid, org["org"], cid, SeriesKind.INVOICE, prefix, True, this_year, this_years[cid] + 1)
            )
    copy_rows(
        InvoiceSeries,
        ["id", "organization", "clinic", "kind", "prefix", "yearly_reset", "year", "next_number"],
        rows,
    )
    return series


def _staged(name: str, columns: str, rows) -> None:
    with connection.cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {name}; CREATE TEMP TABLE {name} ({columns})")
        with cursor.cursor.copy(f"COPY {name} FROM STDIN") as copy:  # noqa: S608 - fixed name
            for row in rows:
                copy.write_row(row)


def _update(sql: str, params=None) -> None:
    """Run one set-based UPDATE of the invoices in its own transaction, every trigger on."""
    with bulk_load(), connection.cursor() as cursor:
        cursor.execute(sql, params)


def _issue(issues) -> None:
    _staged(
        "bench_issue",
        "id bigint primary key, series_id bigint, sequence bigint, number text, issue_date date, "
        "due_date date, seller jsonb, buyer jsonb, language text, issued_at timestamptz",
        issues,
    )
    _update(
        """
        UPDATE billing_invoice i SET status = 'issued', series_id = s.series_id, sequence = s.sequence,
            number = s.number, issue_date = s.issue_date, supply_date = s.issue_date, due_date = s.due_date,
            seller = s.seller, buyer = s.buyer, language = s.language, issued_at = s.issued_at
        FROM bench_issue s WHERE i.id = s.id
        """
    )


def _pay(drafts, issues, rng) -> None:
    """Most invoices paid in full within a few weeks, some in part, the recent ones mostly still open."""
    today = timezone.localdate()
    issued_on = {row[0]: row[4] for row in issues}
    payments = []
    for iid, oid, cid, _pid, _mid, _s, currency, _n, _t, gross, _b, _bal, now in drafts:
        day: date = issued_on[iid]
        paid_on = day + timedelta(days=rng.choice((0, 0, 0, 3, 7, 14, 21, 30)))
        roll = rng.random()
        if paid_on > today or roll < 0.06:
            continue  # still open
        method = rng.choice(("card", "card", "cash", "bank_transfer"))
        amount = (gross / 2).quantize(Decimal("0.01")) if roll < 0.1 else gross
        payments.append((oid, cid, iid, method, amount, amount, Decimal(0), currency, paid_on, "", now))
    copy_rows(
        Payment,
        [
            "organization",
            "clinic",
            "invoice",
            "method",
            "amount",
            "applied_amount",
            "credit_amount",
            "currency",
            "date",
            "reference",
            "created_at",
        ],
        payments,
    )
    invoices = [row[2] for row in payments]
    _update(
        """
        UPDATE billing_invoice i SET paid_total = p.paid, balance = i.gross_total - p.paid,
            status = CASE WHEN i.gross_total = p.paid THEN 'paid' ELSE 'partly_paid' END
        FROM (SELECT invoice_id, sum(applied_amount) AS paid FROM billing_payment
              WHERE invoice_id BETWEEN %s AND %s GROUP BY invoice_id) p
        WHERE i.id = p.invoice_id
        """,
        [min(invoices, default=0), max(invoices, default=0)],
    )
