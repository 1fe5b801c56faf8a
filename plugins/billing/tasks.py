"""Background work of billing."""

from __future__ import annotations

from core.tasks import clinic_task


@clinic_task(module="billing")
def render_invoice_pdf(clinic, invoice_id: int) -> None:
    """Render an issued invoice's PDF (skipped when the current template version is already stored).
    Errors propagate so the queue records the failure and tries again."""
    from .models import Invoice
    from .pdf import render_invoice

    invoice = (
        Invoice.objects.filter(organization_id=clinic.organization_id, clinic=clinic, pk=invoice_id)
        .select_related("clinic", "organization")
        .first()
    )
    if invoice is None or invoice.is_draft:
        return
    render_invoice(invoice)
