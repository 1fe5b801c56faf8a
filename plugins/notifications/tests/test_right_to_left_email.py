"""A patient who reads Arabic gets the appointment email right to left, in Arabic, with the day, the time and
the clinic's phone kept left to right inside it (bidi isolation), and the clinic's clock as always."""

from __future__ import annotations

import re
from datetime import date

import pytest
from django.core import mail
from django_scopes import scope

from .conftest import at
from .helpers import book

pytestmark = pytest.mark.django_db


def _html(message) -> str:
    (alternative,) = [body for body, kind in message.alternatives if kind == "text/html"]
    return alternative


def test_an_arabic_readers_confirmation_is_right_to_left(sched, django_capture_on_commit_callbacks):
    with scope(organization=sched.org.pk):
        sched.patient.preferred_language = "ar"
        sched.patient.save(update_fields=["preferred_language"])
    mail.outbox.clear()

    book(sched, at(date(2031, 3, 3), 9, 30), django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    html = _html(message)
    assert '<html lang="ar" dir="rtl">' in html
    # The subject and the text are Arabic, not the English default.
    assert re.search(r"[\u0600-\u06FF]", message.subject), message.subject
    assert re.search(r"[\u0600-\u06FF]", message.body)
    assert "Your appointment" not in message.body
    # The clinic's wall-clock time reads left to right inside the right-to-left text.
    assert '<bdi dir="ltr">09:30</bdi>' in html


def test_an_english_readers_email_stays_left_to_right(sched, django_capture_on_commit_callbacks):
    mail.outbox.clear()

    book(sched, at(date(2031, 3, 3), 9, 30), django_capture_on_commit_callbacks)

    (message,) = mail.outbox
    assert 'dir="ltr">' in _html(message) and 'dir="rtl"' not in _html(message)
