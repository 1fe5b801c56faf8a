"""Time the invoice PDF rendering the worker does (``render_invoice``: WeasyPrint, then storing the file)
over issued one-page invoices of the biggest clinic, and print the figures as JSON for the benchmark."""

from __future__ import annotations

import json
import statistics
import time

from django.core.management.base import BaseCommand
from django.db import connection
from django_scopes import scope

from plugins.billing.models import Invoice
from plugins.billing.pdf import render_invoice


class Command(BaseCommand):
    help = "Render N invoice PDFs as the worker does and print their timings (JSON)."

    def add_arguments(self, parser):
        parser.add_argument("--invoices", type=int, default=40)
        parser.add_argument("--clinic", type=int, required=True)

    def handle(self, *args, **options):
        with connection.cursor() as cursor:  # the clinic id names its organization
            cursor.execute("SELECT organization_id FROM tenancy_clinic WHERE id = %s", [options["clinic"]])
            (organization_id,) = cursor.fetchone()
        times, queries, errors = [], [], 0
        with scope(organization=organization_id):
            invoices = list(
                Invoice.objects.filter(organization_id=organization_id, clinic_id=options["clinic"])
                .exclude(number=None)
                .select_related("clinic", "organization")
                .order_by("-issue_date", "-id")[: options["invoices"]]
            )
            render_invoice(invoices[0], force=True)  # fonts and templates loaded once, as in a running worker
            for invoice in invoices:
                count = 0

                def counter(execute, sql, params, many, context):
                    nonlocal count
                    count += 1
                    return execute(sql, params, many, context)

                started = time.perf_counter()
                try:
                    with connection.execute_wrapper(counter):
                        render_invoice(invoice, force=True)
                except Exception:  # counted, as the worker's queue would record it
                    errors += 1
                times.append((time.perf_counter() - started) * 1000)
                queries.append(count)
        ordered = sorted(times)

        def pct(p):
            return round(ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))], 1)

        self.stdout.write(
            json.dumps(
                {
                    "requests": len(times),
                    "errors": errors,
                    "rps": round(len(times) / (sum(times) / 1000), 1),
                    "p50_ms": round(statistics.median(times), 1),
                    "p95_ms": pct(95),
                    "p99_ms": pct(99),
                    "queries_per_request": round(statistics.mean(queries), 1),
                    "users": 1,
                }
            )
        )
