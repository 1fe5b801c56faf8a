"""The patient's invoices in the portal (``ehr_portal_urls``), under ``account/billing/``."""

from django.urls import path

from . import portal_views

urlpatterns = [
    path("", portal_views.my_invoices, name="invoices"),
    path("invoices/<str:invoice_id>/", portal_views.invoice_detail, name="invoice"),
    path("invoices/<str:invoice_id>/pdf/", portal_views.invoice_pdf, name="invoice_pdf"),
]
