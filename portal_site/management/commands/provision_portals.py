from django.core.management.base import BaseCommand

from portal_site.provisioning import provision_all


class Command(BaseCommand):
    help = "Give every clinic its portal site (page tree, look, CMS editor group); safe to run again."

    def handle(self, *args, **options):
        count = provision_all()
        self.stdout.write(self.style.SUCCESS(f"Portal sites checked for {count} clinics."))
