from django.urls import path

from . import views

urlpatterns = [
    path("", views.stock, name="stock"),
    path("catalog/", views.catalog, name="catalog"),
    path("catalog/new/", views.item_edit, name="item_create"),
    path("catalog/import/", views.catalog_import, name="catalog_import"),
    path("catalog/<str:pk>/", views.item_edit, name="item_edit"),
    path("items/<str:pk>/", views.item_detail, name="item_detail"),
    path("reorder-levels/", views.reorder_levels, name="reorder_levels"),
    path("suppliers/", views.suppliers, name="suppliers"),
    path("suppliers/new/", views.supplier_edit, name="supplier_create"),
    path("suppliers/<str:pk>/", views.supplier_edit, name="supplier_edit"),
    path("receive/", views.receive, name="receive"),
    path("dispense/", views.dispense, name="dispense"),
    path("adjust/", views.adjust, name="adjust"),
    path("write-off/", views.write_off, name="write_off"),
    path("expiring/", views.expiring, name="expiring"),
    path("transfers/", views.transfers, name="transfers"),
    path("transfers/new/", views.transfer_create, name="transfer_create"),
    path("transfers/<str:pk>/", views.transfer_detail, name="transfer_detail"),
    path("orders/", views.orders, name="orders"),
    path("orders/new/", views.order_create, name="order_create"),
    path("orders/<str:pk>/", views.order_detail, name="order_detail"),
    path("stocktakes/", views.stocktakes, name="stocktakes"),
    path("stocktakes/<str:pk>/", views.stocktake_detail, name="stocktake_detail"),
    path("reports/", views.reports, name="reports"),
    path("settings/", views.clinic_settings, name="settings"),
]
