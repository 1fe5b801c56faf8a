"""Messages logged "Failed" because the patient had no email address or phone number, before "Not sent: no
address" existed, become "Not sent: no address": they were never failures someone could retry, and they
filled "Messages needing attention" with "Send again" buttons that could not work.

Such a message is recognised by what the old code wrote: no recipient, and as its reason one of the two
"has no email address / phone number" sentences in any shipped language. Every other failure (a
provider's error, an invalid phone number) has a recipient and stays as it is.
"""

from django.conf import settings
from django.db import migrations
from django.utils import translation
from django.utils.translation import gettext

MISSING_ADDRESS_REASONS = ("The patient has no email address.", "The patient has no phone number.")


def missing_address_reasons() -> set[str]:
    """The reasons the old code wrote, in every shipped language (it wrote them in the message's)."""
    reasons = set(MISSING_ADDRESS_REASONS)
    for code, _name in settings.LANGUAGES:
        with translation.override(code):
            reasons.update(gettext(reason) for reason in MISSING_ADDRESS_REASONS)
    return reasons


def reclassify_missing_address_failures(apps, schema_editor) -> int:
    """Move the old missing-address failures to "no_address"; the number of messages moved."""
    OutboxMessage = apps.get_model("notifications", "OutboxMessage")
    return OutboxMessage._base_manager.filter(
        status="failed", recipient="", last_error__in=missing_address_reasons()
    ).update(status="no_address", next_attempt_at=None)


def forward(apps, schema_editor) -> None:
    reclassify_missing_address_failures(apps, schema_editor)


class Migration(migrations.Migration):
    dependencies = [("notifications", "0003_not_sent_no_address")]

    operations = [migrations.RunPython(forward, migrations.RunPython.noop)]
