"""State changes of the notifications module, one concept per module: the clinic's settings and wording
(``config``, ``wording``), recording messages (``outbox``, ``patient_messages``, ``team_messages``),
delivering them (``delivery``, ``transports``, ``backoff``, ``quiet_hours``) and sending failed ones again
(``resend``). Import from those modules.

The three names below are the ones the event handlers call as ``services.<name>``; they stay reachable
here so that those handlers need no change.
"""

from .config import language_for
from .patient_messages import notify_patient
from .team_messages import notify_team

__all__ = ["language_for", "notify_patient", "notify_team"]
