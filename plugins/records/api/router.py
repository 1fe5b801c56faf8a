"""The records API's router, mounted by the core at ``/api/v1/clinics/{clinic_id}/records/``.

The core has resolved ``request.clinic`` (a clinic the caller may see, with records on). Every operation
loads the patient through the chart road (``access.py``) and applies the same rules as the pages: the
front desk gets 404 on every operation, as for a record of another organization.
"""

from __future__ import annotations

from ninja import Router

from . import encounters, files, lists, notes

router = Router()
for module in (encounters, notes, lists, files):
    router.add_router("/", module.router)
