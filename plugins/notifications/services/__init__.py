"""State changes of the notifications module, one concept per module: the clinic's settings and wording
(``config``, ``wording``), recording messages (``outbox``, ``patient_messages``, ``team_messages``),
delivering them (``delivery``, ``transports``, ``backoff``, ``quiet_hours``) and sending failed ones again
(``resend``). Import from those modules.
"""
