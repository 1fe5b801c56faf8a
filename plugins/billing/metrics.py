"""Billing's figures for analytics: invoiced, collected and outstanding money, credit notes, invoices.

Every function follows ``core.plugins.types.Metric``. Invoices, payments and credit notes carry calendar
dates, so the period's aware bounds are read as local dates of ``tz``. Amounts are in the clinics' currency;
analytics asks for one currency's clinics at a time.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

from django.db.models import Case, CharField, Count, F, Func, Sum, When
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from core.plugins.types import Metric
from core.tenancy.models import Membership

from .models import OPEN_STATUSES, CreditNote, Invoice, InvoiceLine, InvoiceStatus, LineKind, Payment, Refund

ISSUED = (InvoiceStatus.ISSUED, InvoiceStatus.PARTLY_PAID, InvoiceStatus.PAID)
CENT = Decimal("0.01")


def _dates(start, end, tz):
    tz = tz or timezone.get_current_timezone()
    return start.astimezone(tz).date(), (end - timedelta(microseconds=1)).astimezone(tz).date()


def _money(value) -> Decimal:
    return (value or Decimal("0")).quantize(CENT)


def _names(ids) -> dict[int, str]:
    return {m.pk: m.name for m in Membership.objects.filter(pk__in=set(ids)).select_related("user")}


def _grouped(qs, breakdown, amount, date_field, *, count=False):
    """Sum ``amount`` (or count rows) over ``qs`` in total or by day, practitioner or payment method."""
    agg = Count("id") if count else Sum(amount)
    clean = (lambda v: v or 0) if count else _money
    if breakdown is None:
        return clean(qs.aggregate(v=agg)["v"])
    if breakdown == "day":
        rows = qs.values(date_field).annotate(v=agg).order_by(date_field)
        return [(r[date_field].isoformat(), r[date_field].isoformat(), clean(r["v"])) for r in rows]
    if breakdown == "practitioner":
        field = "practitioner_id" if qs.model is Invoice else "invoice__practitioner_id"
        rows = list(qs.values(field).annotate(v=agg).order_by(field))
        names = _names(r[field] for r in rows if r[field])
        return [
            (str(r[field] or ""), names.get(r[field], str(_("No practitioner"))), clean(r["v"])) for r in rows
        ]
    if breakdown == "method":
        rows = qs.values("method").annotate(v=agg).order_by("method")
        from .models import PaymentMethod

        return [(r["method"], str(PaymentMethod(r["method"]).label), clean(r["v"])) for r in rows]
    raise ValueError(f"unknown breakdown {breakdown!r}")


def _invoices(clinic_ids, start, end, tz, practitioner):
    first, last = _dates(start, end, tz)
    qs = Invoice.objects.filter(
        clinic_id__in=list(clinic_ids), status__in=ISSUED, issue_date__gte=first, issue_date__lte=last
    )
    if practitioner:
        qs = qs.filter(practitioner_id=practitioner)
    return qs


class _LastWordRemoved(Func):
    """An appointment line reads "<service> <date>": the service is what is left without the date."""

    function = "REGEXP_REPLACE"
    output_field = CharField()
    template = "%(function)s(%(expressions)s, '\\s+\\S+$', '')"


def invoiced(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, **_):
    """Gross total of the invoices issued in the period."""
    qs = _invoices(clinic_ids, start, end, tz, practitioner)
    if breakdown == "service":
        return _by_service(qs)
    return _grouped(qs, breakdown, "gross_total", "issue_date")


def _by_service(invoices):
    lines = InvoiceLine.objects.filter(invoice__in=invoices.values("pk")).annotate(
        service=Case(
            When(kind=LineKind.APPOINTMENT, then=_LastWordRemoved(F("description"))),
            default=F("description"),
            output_field=CharField(),
        )
    )
    rows = lines.values("service").annotate(v=Sum("gross_amount")).order_by("service")
    return [(r["service"][:100], r["service"], _money(r["v"])) for r in rows]


def invoice_count(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, **_):
    return _grouped(
        _invoices(clinic_ids, start, end, tz, practitioner), breakdown, None, "issue_date", count=True
    )


def outstanding(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, **_):
    """What is still unpaid today of the invoices issued in the period."""
    qs = _invoices(clinic_ids, start, end, tz, practitioner).filter(status__in=OPEN_STATUSES)
    return _grouped(qs, breakdown, "balance", "issue_date")


def collected(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, **_):
    """Payments received in the period, less refunds paid out in it."""
    first, last = _dates(start, end, tz)
    payments = Payment.objects.filter(clinic_id__in=list(clinic_ids), date__gte=first, date__lte=last)
    refunds = Refund.objects.filter(
        credit_note__clinic_id__in=list(clinic_ids), date__gte=first, date__lte=last
    )
    if practitioner:
        payments = payments.filter(invoice__practitioner_id=practitioner)
        refunds = refunds.filter(credit_note__invoice__practitioner_id=practitioner)
    if breakdown is None:
        return _money(_grouped(payments, None, "amount", "date") - _grouped(refunds, None, "amount", "date"))
    if breakdown not in ("day", "method", "practitioner"):
        raise ValueError(f"unknown breakdown {breakdown!r}")
    totals: dict[str, list] = {}
    refund_rows = (
        _refunds_by_practitioner(refunds)
        if breakdown == "practitioner"
        else _grouped(refunds, breakdown, "amount", "date")
    )
    for sign, rows in ((1, _grouped(payments, breakdown, "amount", "date")), (-1, refund_rows)):
        for key, label, value in rows:
            entry = totals.setdefault(key, [label, Decimal("0")])
            entry[1] += sign * value
    return [(key, label, _money(value)) for key, (label, value) in sorted(totals.items())]


def _refunds_by_practitioner(refunds):
    field = "credit_note__invoice__practitioner_id"
    rows = list(refunds.values(field).annotate(v=Sum("amount")).order_by(field))
    names = _names(r[field] for r in rows if r[field])
    return [
        (str(r[field] or ""), names.get(r[field], str(_("No practitioner"))), _money(r["v"])) for r in rows
    ]


def credited(clinic_ids, start, end, *, breakdown=None, tz=None, practitioner=None, **_):
    """Credit notes issued in the period (a negative amount)."""
    first, last = _dates(start, end, tz)
    qs = CreditNote.objects.filter(
        clinic_id__in=list(clinic_ids), issue_date__gte=first, issue_date__lte=last
    )
    if practitioner:
        qs = qs.filter(invoice__practitioner_id=practitioner)
    return _grouped(qs, breakdown, "gross_total", "issue_date")


def metrics() -> list[Metric]:
    m, section, f = "billing", "revenue", ("practitioner",)
    return [
        Metric(
            "revenue_invoiced",
            _("Invoiced"),
            "money",
            invoiced,
            ("practitioner", "service"),
            m,
            section,
            filters=f,
            description=_("Gross total of the invoices issued in the period."),
            kind="sum",
            tables=("time", "clinic", "practitioner", "service"),
            headline=3,
        ),
        Metric(
            "revenue_collected",
            _("Collected"),
            "money",
            collected,
            ("method", "practitioner"),
            m,
            section,
            filters=f,
            description=_("Payments received in the period, less refunds."),
            kind="sum",
            tables=("time", "clinic", "method"),
        ),
        Metric(
            "revenue_outstanding",
            _("Outstanding"),
            "money",
            outstanding,
            ("practitioner",),
            m,
            section,
            filters=f,
            description=_("What is still unpaid today of the invoices issued in the period."),
            kind="sum",
            tables=("clinic", "practitioner"),
        ),
        Metric(
            "revenue_credited",
            _("Credit notes"),
            "money",
            credited,
            ("practitioner",),
            m,
            section,
            filters=f,
            kind="sum",
        ),
        Metric(
            "invoices_issued",
            _("Invoices issued"),
            "count",
            invoice_count,
            ("practitioner",),
            m,
            section,
            filters=f,
            kind="sum",
        ),
        Metric(
            "revenue_average_invoice",
            _("Average invoice"),
            "money",
            None,
            ("practitioner",),
            m,
            section,
            kind="ratio",
            filters=f,
            ratio_of=("revenue_invoiced", "invoices_issued"),
            tables=("practitioner",),
        ),
    ]
