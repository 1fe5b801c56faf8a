from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from core.plugins.docs import render


class Command(BaseCommand):
    help = "Write docs/plugins.md from the plugin guide and the hook specifications."

    def handle(self, *args, **options):
        target = Path(settings.BASE_DIR) / "docs" / "plugins.md"
        target.write_text(render())
        self.stdout.write(f"wrote {target}")
