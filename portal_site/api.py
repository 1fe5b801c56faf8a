"""What modules and the core may use of the portal: its page context, a clinic's base address and the
address of a page on its site (for emails), and forgetting a clinic's
cached pages. Everything else in ``portal_site`` is the portal's own business and may change without notice;
tests/test_architecture.py fails when a module imports anything but this file.
"""

from __future__ import annotations

from .cache import invalidate_clinic
from .routing import clinic_base_url, clinic_portal_url
from .theme import portal_context

__all__ = ["clinic_base_url", "clinic_portal_url", "invalidate_clinic", "portal_context"]
