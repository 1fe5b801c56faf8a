from django.apps import AppConfig


class PluginsConfig(AppConfig):
    name = "core.plugins"
    label = "plugins"
    verbose_name = "Plugins"

    def ready(self):
        # Load every plugin now so a broken one fails at start-up, not on the first request, and register
        # the permissions plugins declare.
        from .manager import registry
        from .permissions import register_plugin_permissions

        register_plugin_permissions(registry())
