"""The inventory API's router, mounted by the core at ``/api/v1/clinics/{clinic_id}/inventory/``.

The core has already resolved ``request.clinic`` (a clinic the caller may see, with inventory on). Each
operation checks the same permissions as the back-office pages.
"""

from __future__ import annotations

from ninja import Router

from . import catalog, purchase_orders, stock, stocktakes, transfers

router = Router()
for module in (catalog, stock, transfers, purchase_orders, stocktakes):
    router.add_router("/", module.router)
