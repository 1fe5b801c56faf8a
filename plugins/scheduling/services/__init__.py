"""State changes for scheduling, one module per concept. Views, the API and the portal parse and authorize;
these functions validate, write inside one transaction, and raise ``ValidationError`` (nothing written),
``SlotTaken`` (the time is no longer free; carries the next free slots) or ``StaleAppointment`` (changed by
someone else meanwhile).

The database's exclusion constraints are the final word on double booking: the checks made here first
only give a better answer sooner.
"""
