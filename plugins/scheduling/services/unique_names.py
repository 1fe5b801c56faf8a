"""Saving a record whose name is unique in its clinic (services, rooms), when two people may pick the same
name at the same moment: both see the name free, and the database refuses the second. That refusal is the
same clear field error the check before it gives, never a server error."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint the database refused a write with (None when it does not say)."""
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)


def save_unless_name_taken(record: models.Model, constraint: str, taken: ValidationError) -> None:
    """Save ``record``; ``taken`` when ``constraint`` (its unique name) refuses it. The savepoint keeps the
    caller's transaction usable, so nothing half-written stays behind the error."""
    try:
        with transaction.atomic():
            record.save()
    except IntegrityError as error:
        if violated_constraint(error) != constraint:
            raise
        raise taken from None
