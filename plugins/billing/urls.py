from django.urls import path

from . import views

urlpatterns = [
    path("", views.invoice_list, name="invoice_list"),
    path("outstanding/", views.outstanding, name="outstanding"),
    path("settings/", views.settings_page, name="settings"),
    path("invoices/new/", views.invoice_create, name="invoice_create"),
    path("invoices/<str:pk>/", views.invoice_detail, name="invoice_detail"),
    path("invoices/<str:pk>/lines/", views.line_add, name="line_add"),
    path("invoices/<str:pk>/lines/remove/", views.line_remove, name="line_remove"),
    path("invoices/<str:pk>/billable/", views.billable_search, name="billable_search"),
    path("invoices/<str:pk>/billable/add/", views.billable_add, name="billable_add"),
    path("invoices/<str:pk>/issue/", views.invoice_issue, name="invoice_issue"),
    path("invoices/<str:pk>/void/", views.invoice_void, name="invoice_void"),
    path("invoices/<str:pk>/payments/", views.payment_add, name="payment_add"),
    path("invoices/<str:pk>/credit/", views.credit_apply, name="credit_apply"),
    path("invoices/<str:pk>/refunds/", views.refund_add, name="refund_add"),
    path("invoices/<str:pk>/credit-note/", views.credit_note_create, name="credit_note_create"),
    path("invoices/<str:pk>/pdf/", views.invoice_pdf, name="invoice_pdf"),
]
