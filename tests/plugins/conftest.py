# The scheduling module's clinic set-up (a service, a practitioner working every day), for event tests that
# fire the real emitters.
from plugins.scheduling.tests.conftest import sched  # noqa: F401
