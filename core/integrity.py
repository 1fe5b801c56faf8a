"""A database constraint's refusal told as the same translated message the sequential check gives.

A check such as "is this name free?" answers for the moment it reads; a concurrent request can write in
between. The constraint behind it is what holds, and this turns its violation into the ``ValidationError``
the person would have seen had the requests come one after the other (never a 500)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction


def violated_constraint(error: IntegrityError) -> str | None:
    """The name of the constraint or unique index ``error`` reports, when PostgreSQL names one."""
    return getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)


@contextmanager
def refused_by(constraint: str, message) -> Iterator[None]:
    """Run the block in a savepoint; a violation of ``constraint`` becomes ``ValidationError(message)``
    (a string, or a dict of field errors). Other integrity errors are not this check's to explain."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError as error:
        if violated_constraint(error) != constraint:
            raise
        raise ValidationError(message) from None
