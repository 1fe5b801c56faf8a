"""The scheduling module's hook implementations."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from core.plugins.manager import hookimpl
from core.plugins.types import ModuleInfo


@hookimpl
def ehr_module():
    return ModuleInfo(
        slug="scheduling",
        label=_("Scheduling"),
        description=_(
            "Services, working hours, the appointment calendar, online availability and recurring series."
        ),
        default_enabled=True,
    )


@hookimpl
def ehr_permissions():
    from .rules import PERMISSIONS

    return dict(PERMISSIONS)


@hookimpl
def ehr_api_routers():
    from .api import router

    return [("scheduling", router)]
