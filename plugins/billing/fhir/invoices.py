"""Invoice: what the clinic billed, line by line, with tax and totals.

Members see invoices as on the office pages (owners and staff of the clinic all, practitioners their
own); a patient app sees its patient's issued invoices only, never a draft; a backend service sees the
organization's.
"""

from __future__ import annotations

from django.db.models import Prefetch

from core.fhir.providers import ModelProvider, SearchParam, reference
from core.fhir.search import bad_param, day_q, one_of, reference_id
from core.tenancy.models import Role

from ..models import Invoice, InvoiceLine, InvoiceStatus

STATUS = {
    InvoiceStatus.DRAFT: "draft",
    InvoiceStatus.ISSUED: "issued",
    InvoiceStatus.PARTLY_PAID: "issued",
    InvoiceStatus.PAID: "balanced",
    InvoiceStatus.VOID: "cancelled",
}


def money(amount, currency: str) -> dict:
    return {"value": amount, "currency": currency}


def price_components(line: InvoiceLine, currency: str) -> list[dict]:
    tax = {"type": "tax", "amount": money(line.tax_amount, currency)}
    if line.tax_name:
        tax["code"] = {"text": line.tax_name}
    return [{"type": "base", "amount": money(line.net_amount, currency)}, tax]


class InvoiceProvider(ModelProvider):
    resource_type = "Invoice"
    compartment_param = "patient"
    search_params = (
        SearchParam("patient", "reference", "The patient billed (Patient/<id>)."),
        SearchParam("date", "date", "The issue date."),
        SearchParam("status", "token", "draft, issued, balanced, cancelled."),
    )

    def queryset(self, ctx):
        invoices = (
            Invoice.objects.filter(
                organization_id=ctx.organization.pk, clinic_id__in=ctx.clinic_ids_with(self.module)
            )
            .select_related("clinic", "patient", "practitioner__user")
            .prefetch_related(Prefetch("lines", queryset=InvoiceLine.objects.order_by("position", "id")))
        )
        if ctx.is_patient:
            return invoices.filter(patient_id=ctx.patient.pk, number__isnull=False)
        if ctx.member is not None and ctx.member.role == Role.PRACTITIONER:
            return invoices.filter(practitioner_id=ctx.member.membership.pk)
        return invoices

    def identifier_q(self, system_uri, value, ctx):
        from django.db.models import Q

        return Q(number=value[:40])

    def filter(self, queryset, name, modifier, value, ctx):
        if name == "patient":
            return queryset.filter(patient_id__in=[reference_id(name, v, "Patient") for v in one_of(value)])
        if name == "date":
            return queryset.filter(day_q(name, value, "issue_date"))
        if name == "status":
            codes = set(one_of(value))
            if not codes <= set(STATUS.values()) | {"entered-in-error"}:
                raise bad_param(name, value)
            return queryset.filter(status__in=[ours for ours, theirs in STATUS.items() if theirs in codes])
        return super().filter(queryset, name, modifier, value, ctx)

    def to_resource(self, invoice: Invoice, ctx) -> dict:
        currency = invoice.currency
        resource = {
            "status": STATUS[invoice.status],
            "subject": reference("Patient", invoice.patient_id, invoice.patient.full_name),
            "recipient": reference("Patient", invoice.patient_id, invoice.patient.full_name),
            "issuer": reference("Organization", ctx.organization.pk, ctx.organization.name),
            "lineItem": [
                {
                    "sequence": n,
                    "chargeItemCodeableConcept": {"text": line.description},
                    "priceComponent": price_components(line, currency),
                }
                for n, line in enumerate(invoice.lines.all(), start=1)
            ],
            "totalNet": money(invoice.net_total, currency),
            "totalGross": money(invoice.gross_total, currency),
        }
        if invoice.number:
            resource["identifier"] = [{"value": invoice.number}]
        if invoice.issued_at:
            resource["date"] = invoice.issued_at.astimezone(invoice.clinic.tzinfo).isoformat()
        if invoice.practitioner_id:
            resource["participant"] = [
                {"actor": reference("Practitioner", invoice.practitioner_id, invoice.practitioner.name)}
            ]
        return resource
