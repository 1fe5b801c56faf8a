"""The booking's retry when the database gives up on it because of another transaction: bounded, only
for deadlocks and serialization failures, and only when the booking owns its transaction."""

import pytest
from django.db import IntegrityError, OperationalError, transaction
from psycopg import errors as pg_errors

from plugins.scheduling.services import diary_locks
from plugins.scheduling.services.conflicts import SlotTaken


class Attempts:
    """A booking attempt that loses ``losses`` times (with ``cause``) and then succeeds."""

    def __init__(self, losses: int, cause: type[Exception] = pg_errors.DeadlockDetected):
        self.losses, self.cause, self.calls = losses, cause, 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.losses:
            raise OperationalError("lost") from self.cause("lost")
        return "booked"


def give_up() -> SlotTaken:
    return SlotTaken("Someone else is booking this time right now.", [])


def test_a_deadlock_then_success_is_retried():
    attempt = Attempts(losses=2)
    assert diary_locks.with_retries(attempt, give_up) == "booked"
    assert attempt.calls == 3


def test_a_serialization_failure_is_retried_too():
    attempt = Attempts(losses=1, cause=pg_errors.SerializationFailure)
    assert diary_locks.with_retries(attempt, give_up) == "booked"
    assert attempt.calls == 2


def test_after_three_losses_the_booking_gives_up_as_a_taken_time():
    attempt = Attempts(losses=10)
    with pytest.raises(SlotTaken):
        diary_locks.with_retries(attempt, give_up)
    assert attempt.calls == diary_locks.ATTEMPTS == 3


def test_other_database_errors_are_not_retried():
    calls = []

    def attempt():
        calls.append(1)
        raise IntegrityError("duplicate") from pg_errors.UniqueViolation("duplicate")

    with pytest.raises(IntegrityError):
        diary_locks.with_retries(attempt, give_up)
    assert len(calls) == 1


@pytest.mark.django_db
def test_inside_a_callers_transaction_the_first_loss_gives_up():
    attempt = Attempts(losses=1)
    with transaction.atomic(), pytest.raises(SlotTaken):
        diary_locks.with_retries(attempt, give_up)
    assert attempt.calls == 1


def test_diary_keys_are_stable_and_tell_practitioners_from_rooms():
    assert diary_locks.diary_key("room", 7) == diary_locks.diary_key("room", 7)
    assert diary_locks.diary_key("room", 7) != diary_locks.diary_key("practitioner", 7)
