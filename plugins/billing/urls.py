from django.urls import path

from .views import bill_to, billing_settings, credit_notes, drafts, invoice_page, issuing, overview, payments

urlpatterns = [
    path("", overview.invoice_list, name="invoice_list"),
    path("outstanding/", overview.outstanding, name="outstanding"),
    path("settings/", billing_settings.settings_page, name="settings"),
    path(
        "settings/country-tax-rates/",
        billing_settings.country_tax_rates,
        name="country_tax_rates",
    ),
    path("invoices/new/", drafts.invoice_create, name="invoice_create"),
    path("invoices/<str:pk>/", invoice_page.invoice_detail, name="invoice_detail"),
    path("invoices/<str:pk>/lines/", drafts.line_add, name="line_add"),
    path("invoices/<str:pk>/lines/remove/", drafts.line_remove, name="line_remove"),
    path("invoices/<str:pk>/bill-to/", bill_to.bill_to, name="bill_to"),
    path("invoices/<str:pk>/billable/", drafts.billable_search, name="billable_search"),
    path("invoices/<str:pk>/billable/add/", drafts.billable_add, name="billable_add"),
    path("invoices/<str:pk>/issue/", issuing.invoice_issue, name="invoice_issue"),
    path("invoices/<str:pk>/void/", drafts.invoice_void, name="invoice_void"),
    path("invoices/<str:pk>/payments/", payments.payment_add, name="payment_add"),
    path("invoices/<str:pk>/credit/", payments.credit_apply, name="credit_apply"),
    path("invoices/<str:pk>/refunds/", credit_notes.refund_add, name="refund_add"),
    path("invoices/<str:pk>/credit-note/", credit_notes.credit_note_create, name="credit_note_create"),
    path("invoices/<str:pk>/pdf/", issuing.invoice_pdf, name="invoice_pdf"),
]
