"""Create or update the django-q2 schedules for every plugin's periodic jobs (idempotent)."""

from django.core.management.base import BaseCommand
from django_q.models import Schedule

from core.audit.break_glass_notice import SCHEDULE_NAME as BREAK_GLASS_SCHEDULE
from core.audit.tasks import SCHEDULE_NAME as AUDIT_SCHEDULE
from core.plugins.manager import registry


class Command(BaseCommand):
    help = "Register each plugin's scheduled tasks with the worker cluster."

    def handle(self, *args, **options):
        wanted = set()
        for impl in registry().pm.hook.ehr_scheduled_tasks.get_hookimpls():
            for task in impl.function() or []:
                name = f"ehr:{impl.plugin_name}:{task.name}"
                wanted.add(name)
                Schedule.objects.update_or_create(
                    name=name,
                    defaults={
                        "func": "core.tasks.fan_out",
                        "args": repr((task.func, task.module or impl.plugin_name)),
                        "schedule_type": Schedule.MINUTES,
                        "minutes": task.minutes,
                        "repeats": -1,
                    },
                )
        # Core's own nightly job: verify every organization's audit chain and anchor the day's head.
        wanted.add(AUDIT_SCHEDULE)
        Schedule.objects.update_or_create(
            name=AUDIT_SCHEDULE,
            defaults={
                "func": "core.audit.tasks.verify_all_chains",
                "schedule_type": Schedule.DAILY,
                "repeats": -1,
            },
        )
        # Core's morning summary of yesterday's break-glass accesses, to each organization's owners.
        wanted.add(BREAK_GLASS_SCHEDULE)
        Schedule.objects.update_or_create(
            name=BREAK_GLASS_SCHEDULE,
            defaults={
                "func": "core.audit.break_glass_notice.notify_owners",
                "schedule_type": Schedule.DAILY,
                "repeats": -1,
            },
        )
        removed, _ = Schedule.objects.filter(name__startswith="ehr:").exclude(name__in=wanted).delete()
        self.stdout.write(f"{len(wanted)} schedule(s) registered, {removed} removed.")
