"""The JSON API at /api/v1/ (OpenAPI at /api/v1/openapi.json, interactive docs at /api/v1/docs)."""

from __future__ import annotations

from ninja import NinjaAPI

from core.plugins.manager import registry

from .auth import ClinicModuleAuth, default_auth
from .errors import install_error_handlers
from .openapi import complete
from .parser import SafeTextParser
from .resources import router as core_router


class ClinicApi(NinjaAPI):
    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        return complete(super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params))

    def get_openapi_operation_id(self, operation) -> str:
        """``<package>_api_<operation>``, wherever in the package's ``api`` the operation is written:
        generated clients keep their method names when a module's API is split into files."""
        module = operation.view_func.__module__
        parts = module.split(".")
        if len(parts) > 3 and parts[0] == "plugins" and parts[2] == "api":
            module = ".".join(parts[:3])
        return f"{module}_{operation.view_func.__name__}".replace(".", "_")


api = ClinicApi(
    title="Clinic EHR API",
    version="1",
    description=(
        "Everything the back office does, for integrations and scripts. Authenticate with a browser "
        "session (send the CSRF token) or a personal API token: `Authorization: Bearer <token>`."
    ),
    auth=default_auth(),
    urls_namespace="api",
    parser=SafeTextParser(),
)
install_error_handlers(api)
api.add_router("/", core_router)


def _mount_plugin_routers() -> None:
    """Each plugin's routers sit behind that plugin's own module gate, so the hook's implementations are
    called one by one (pluggy's merged result would not say which module a router belongs to)."""
    modules = registry().modules
    for impl in registry().pm.hook.ehr_api_routers.get_hookimpls():
        slug = impl.plugin_name
        if slug not in modules:
            continue
        for prefix, router in impl.function() or []:
            api.add_router(
                f"/clinics/{{clinic_id}}/{prefix.strip('/')}/",
                router,
                auth=ClinicModuleAuth(slug),
                tags=[str(modules[slug].label)],
            )


_mount_plugin_routers()
