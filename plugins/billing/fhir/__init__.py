"""Billing's FHIR resources: Invoice (issued invoices and, for the team, drafts)."""


def providers() -> list:
    from .invoices import InvoiceProvider

    return [InvoiceProvider()]
