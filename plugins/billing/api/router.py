"""The billing API's one router, as the core mounts it: the operations of each part under one prefix."""

from __future__ import annotations

from ninja import Router

from . import credit_notes, invoices, payments

router = Router()
router.add_router("", invoices.router)
router.add_router("", payments.router)
router.add_router("", credit_notes.router)
