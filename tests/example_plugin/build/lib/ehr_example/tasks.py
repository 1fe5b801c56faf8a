from core.tasks import clinic_task

from . import CALLS


@clinic_task(module="example")
def nightly(clinic):
    CALLS.append(("nightly", clinic.pk))
