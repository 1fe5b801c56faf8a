"""Back-office pages of billing, mounted under ``/office/c/<clinic_slug>/billing/`` (the core gates them and
sets ``request.clinic``), one module per part of the work."""
