"""The scheduling API's router, mounted by the core at ``/api/v1/clinics/{clinic_id}/scheduling/``.

The core has already resolved ``request.clinic`` (a clinic the caller may see, with scheduling on). Each
operation checks the same permissions as the back-office pages.
"""

from __future__ import annotations

from ninja import Router

from . import appointments, availability, services, waitlist, working_time

router = Router()
for part in (services, working_time, availability, appointments, waitlist):
    router.add_router("", part.router)
