"""Back-office pages of the inventory module, one module per concept, mounted under
``/office/c/<clinic_slug>/inventory/`` and gated by the core, which sets ``request.clinic``."""
