"""What the generated data must prove, checked on the database after a load.

The database's own constraints already refuse an overlapping appointment, a duplicate invoice number or a
change to an issued invoice while the rows go in; these queries check, afterwards and over every row,
that the load really went through them and that what the product keeps by itself holds too:

- no two active appointments of a practitioner overlap (what the exclusion constraint guarantees);
- each invoice series' numbers run 1, 2, 3… per year without a gap, and the series' next number follows
  this year's last one (what issuing one by one under the series lock gives);
- every stock level equals the sum of its ledger's movements, and every ledger has its level;
- every generated appointment, patient, invoice and stock movement has its audit history row.
"""

from __future__ import annotations

from django.core.management.base import CommandError
from django.db import connection

from plugins.scheduling.models import ACTIVE_STATUSES

CHECKS = {
    "overlapping active appointments": """
        SELECT count(*) FROM (
            SELECT occupied_start < lag(occupied_end) OVER (
                       PARTITION BY organization_id, practitioner_id ORDER BY occupied_start, id
                   ) AS clash
            FROM scheduling_appointment
            WHERE organization_id = ANY(%(orgs)s) AND status = ANY(%(active)s) AND NOT allow_overlap
        ) a WHERE clash
    """,
    "invoice series with a gap or a repeated number": """
        SELECT count(*) FROM (
            SELECT series_id, extract(year FROM issue_date) AS year
            FROM billing_invoice
            WHERE organization_id = ANY(%(orgs)s) AND number IS NOT NULL
            GROUP BY series_id, extract(year FROM issue_date)
            HAVING min(sequence) <> 1 OR max(sequence) <> count(*) OR count(DISTINCT sequence) <> count(*)
        ) s
    """,
    "invoice series whose next number does not follow this year's last": """
        SELECT count(*) FROM billing_invoiceseries s
        WHERE s.organization_id = ANY(%(orgs)s) AND s.next_number <> 1 + (
            SELECT count(*) FROM billing_invoice i
            WHERE i.series_id = s.id AND extract(year FROM i.issue_date) = s.year
        )
    """,
    "stock levels that differ from their ledger's sum": """
        SELECT count(*) FROM (
            SELECT organization_id, clinic_id, item_id, lot_id, sum(quantity) AS quantity
            FROM inventory_stockmovement WHERE organization_id = ANY(%(orgs)s)
            GROUP BY organization_id, clinic_id, item_id, lot_id
        ) m
        FULL JOIN (
            SELECT * FROM inventory_stocklevel WHERE organization_id = ANY(%(orgs)s)
        ) l ON l.organization_id = m.organization_id AND l.clinic_id = m.clinic_id
           AND l.item_id = m.item_id AND l.lot_id IS NOT DISTINCT FROM m.lot_id
        WHERE l.quantity IS DISTINCT FROM m.quantity
    """,
}

# Tables whose every generated row must have its audit "insert" row.
AUDITED = {
    "appointments without audit history": ("scheduling_appointment", "scheduling_appointmentevent"),
    "patients without audit history": ("patients_patient", "patients_patientevent"),
    "invoices without audit history": ("billing_invoice", "billing_invoiceevent"),
    "stock movements without audit history": ("inventory_stockmovement", "inventory_stockmovementevent"),
}


def check(organizations: list[int]) -> dict[str, int]:
    """Count the violations of each rule among ``organizations``; raise if there is any."""
    params = {"orgs": organizations, "active": [str(s) for s in ACTIVE_STATUSES]}
    found = {}
    with connection.cursor() as cursor:
        for label, sql in CHECKS.items():
            cursor.execute(sql, params)
            found[label] = cursor.fetchone()[0]
        for label, (table, events) in AUDITED.items():
            cursor.execute(
                f"""
                SELECT count(*) FROM {table} t
                WHERE t.organization_id = ANY(%(orgs)s) AND NOT EXISTS (
                    SELECT 1 FROM {events} e WHERE e.pgh_obj_id = t.id AND e.pgh_label = 'insert'
                )
                """,  # noqa: S608 - table names from the list above
                params,
            )
            found[label] = cursor.fetchone()[0]
    broken = [f"{label}: {n}" for label, n in found.items() if n]
    if broken:
        raise CommandError(f"The generated data breaks its rules: {'; '.join(broken)}")
    return found
