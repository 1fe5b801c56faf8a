from django.urls import path

from .views import catalog, movements, purchase_orders, reports, stock, stocktakes, transfers

urlpatterns = [
    path("", stock.stock, name="stock"),
    path("catalog/", catalog.catalog, name="catalog"),
    path("catalog/new/", catalog.item_edit, name="item_create"),
    path("catalog/import/", catalog.catalog_import, name="catalog_import"),
    path("catalog/<str:pk>/", catalog.item_edit, name="item_edit"),
    path("items/<str:pk>/", stock.item_detail, name="item_detail"),
    path("reorder-levels/", catalog.reorder_levels, name="reorder_levels"),
    path("suppliers/", catalog.suppliers, name="suppliers"),
    path("suppliers/new/", catalog.supplier_edit, name="supplier_create"),
    path("suppliers/<str:pk>/", catalog.supplier_edit, name="supplier_edit"),
    path("receive/", movements.receive, name="receive"),
    path("dispense/", movements.dispense, name="dispense"),
    path("adjust/", movements.adjust, name="adjust"),
    path("write-off/", movements.write_off, name="write_off"),
    path("expiring/", stock.expiring, name="expiring"),
    path("transfers/", transfers.transfers, name="transfers"),
    path("transfers/new/", transfers.transfer_create, name="transfer_create"),
    path("transfers/<str:pk>/", transfers.transfer_detail, name="transfer_detail"),
    path("orders/", purchase_orders.orders, name="orders"),
    path("orders/new/", purchase_orders.order_create, name="order_create"),
    path("orders/<str:pk>/", purchase_orders.order_detail, name="order_detail"),
    path("stocktakes/", stocktakes.stocktakes, name="stocktakes"),
    path("stocktakes/<str:pk>/", stocktakes.stocktake_detail, name="stocktake_detail"),
    path("reports/", reports.reports, name="reports"),
    path("settings/", stock.clinic_settings, name="settings"),
]
