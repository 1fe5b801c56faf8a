"""Keeping parallel bookings from waiting on each other in a circle.

Two bookings that could clash share a practitioner or a room. PostgreSQL checks the exclusion constraints
(no double booking of a practitioner, nor of a room) by waiting for any other transaction still inserting
an overlapping row; with two constraints, two bookings can each wait for the other and one is killed as a
deadlock. So a booking first takes a lock on each diary it writes to — its practitioner's and its room's —
in one fixed order (ascending key): bookings that could clash then run one after the other, and the
constraint check never waits on a booking still being written.

What remains (a serialization failure, or locks taken across several bookings of one transaction) is
retried a few times from a fresh transaction, then answered as a taken time.
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Iterable
from typing import TypeVar

from django.db import DatabaseError, connection
from psycopg import errors as pg_errors

T = TypeVar("T")

ATTEMPTS = 3
# Seconds to wait before the second and third attempt, each stretched by up to half again at random so
# the bookings that collided do not collide again in step.
PAUSES = (0.02, 0.06)


def diary_key(kind: str, pk: int) -> int:
    """A stable signed 64-bit advisory-lock key for one practitioner's or one room's diary."""
    digest = hashlib.blake2b(f"scheduling.diary:{kind}:{pk}".encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


def diary_keys(practitioner_ids: Iterable[int], room_ids: Iterable[int | None] = ()) -> list[int]:
    """The advisory-lock keys of these practitioners' and rooms' diaries, in the one order they are taken."""
    return sorted(
        {diary_key("practitioner", pk) for pk in practitioner_ids}
        | {diary_key("room", pk) for pk in room_ids if pk is not None}
    )


# Takes the locks of the keys given as the one parameter, in the order given. PostgreSQL evaluates a
# volatile function of the select list after ORDER BY, so the locks are taken in that order.
LOCK_SQL = "SELECT pg_advisory_xact_lock(k) FROM unnest(%s::bigint[]) WITH ORDINALITY AS t(k, n) ORDER BY n"


def lock_diaries(practitioner_ids: Iterable[int], room_ids: Iterable[int | None] = ()) -> None:
    """Hold, until this transaction ends, the diaries of these practitioners and rooms, in key order."""
    with connection.cursor() as cursor:
        cursor.execute(LOCK_SQL, [diary_keys(practitioner_ids, room_ids)])


def lost_to_contention(error: BaseException) -> bool:
    """Did the database give up on this transaction because of another one (deadlock, serialization)?"""
    return isinstance(error.__cause__, pg_errors.DeadlockDetected | pg_errors.SerializationFailure)


def with_retries(attempt: Callable[[], T], give_up: Callable[[], Exception]) -> T:
    """Run ``attempt`` (one whole transaction) again when it loses to contention, at most ``ATTEMPTS``
    times; then raise what ``give_up`` returns. Inside a caller's transaction nothing is retried (its
    locks would be kept across the pause): the first loss gives up at once."""
    retry = not connection.in_atomic_block
    for number in range(ATTEMPTS):
        try:
            return attempt()
        except DatabaseError as error:
            if not lost_to_contention(error):
                raise
            if not retry or number == ATTEMPTS - 1:
                raise give_up() from error
            time.sleep(PAUSES[number] * (1 + random.random() / 2))  # noqa: S311 - jitter, not secrecy
    raise AssertionError("unreachable")
