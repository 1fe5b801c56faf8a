"""Core API resources, one router per module under ``routers/``. Each operation checks the same ``rules``
permissions as the back-office pages and declares it in the OpenAPI document as ``x-permission``."""

from __future__ import annotations

from ninja import Router

from .routers import clinics, invitations, me, members, modules, organization, patients, privacy, tokens

router = Router()
for module in (me, organization, clinics, modules, members, invitations, patients, privacy, tokens):
    router.add_router("/", module.router)
