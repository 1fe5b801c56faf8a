"""Billing API, mounted by the core at ``/api/v1/clinics/{clinic_id}/billing/`` (``request.clinic`` is set:
a clinic the caller may see, with billing on). Each operation checks the same permission as the pages."""
