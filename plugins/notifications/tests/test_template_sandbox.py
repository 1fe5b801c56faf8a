"""Clinic templates render in the message engine: only its tags and filters, read-only values, and each
part of a message no longer than its limit, whether the template is being saved, previewed or sent."""

from __future__ import annotations

import time
import tracemalloc

import pytest

from plugins.notifications import defaults, sandbox
from plugins.notifications.rendering import SAMPLE_CONTEXT, render_message, template_errors

from .test_api import api_for, base, error

LJUST_BOMB = "{{ patient_name|ljust:100000000 }}"  # a few bytes that used to ask for ~190 MB
LOOP_BOMB = "{% for a in patient_name %}" * 6 + "x" + "{% endfor %}" * 6  # 12 letters ** 6 passes


class Draft:
    def __init__(self, subject="", body="", sms_body=""):
        self.subject, self.body, self.sms_body = subject, body, sms_body


def _measured(work):
    """``work()``'s result, the seconds it took and the most memory it held at once, in bytes."""
    tracemalloc.start()
    started = time.monotonic()
    try:
        result = work()
        return result, time.monotonic() - started, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def test_the_ljust_template_is_refused_at_once_without_allocating():
    with pytest.raises(sandbox.TemplateRefused, match=r"\|ljust cannot be used"):
        sandbox.render(sandbox.TEXT_ENGINE, LJUST_BOMB, SAMPLE_CONTEXT, sandbox.LIMITS["body"])

    errors, seconds, peak = _measured(lambda: template_errors("", LJUST_BOMB, ""))
    assert errors["body"].startswith("The filter |ljust cannot be used in messages")
    assert seconds < 1 and peak < 1_000_000

    rendered, seconds, peak = _measured(
        lambda: render_message("appointment_booked", "en", SAMPLE_CONTEXT, custom=Draft(body=LJUST_BOMB))
    )
    assert rendered.fell_back == ["body"]
    assert rendered.text.startswith("Hello Alex,\n\nYour appointment")
    assert len(rendered.text) <= sandbox.LIMITS["body"]
    assert seconds < 1 and peak < 1_000_000


@pytest.mark.parametrize(
    "filter_name", ["ljust", "rjust", "center", "wordwrap", "floatformat", "stringformat", "safe", "date"]
)
def test_filters_that_write_by_their_argument_or_unescape_are_refused(filter_name):
    errors = template_errors("", "{{ on_hand|" + filter_name + ":1000000 }}", "")
    assert errors == {
        "body": f"The filter |{filter_name} cannot be used in messages; use "
        + ", ".join(sorted(sandbox.template_language.FILTERS))
        + "."
    }


@pytest.mark.parametrize(
    "source, tag",
    [
        ("{% include 'base.html' %}", "include"),
        ("{% load i18n %}", "load"),
        ("{% extends 'base.html' %}", "extends"),
        ("{% ssi '/etc/passwd' %}", "ssi"),
        ("{% debug %}", "debug"),
        ("{% now 'Y' %}", "now"),
        ("{% autoescape off %}{{ patient_name }}{% endautoescape %}", "autoescape"),
        ("{% block b %}{% endblock %}", "block"),
    ],
)
def test_tags_outside_the_message_vocabulary_are_refused(source, tag):
    assert template_errors(source, "", "") == {
        "subject": f"The tag {{% {tag} %}} cannot be used in messages; use if, for, comment."
    }


def test_private_attributes_are_out_of_reach_and_values_are_read_only():
    assert "body" in template_errors("", "{{ patient_name.__class__ }}", "")
    # Lists reach the template as tuples: one part cannot empty the lots the next part lists.
    rendered = render_message(
        "lots_expiring",
        "en",
        SAMPLE_CONTEXT,
        custom=Draft(
            subject="{{ lots.clear }}{{ lots|length }}",
            body="{% for lot in lots %}{{ lot.number }}{% endfor %}",
        ),
    )
    assert rendered.text == "L123"
    assert rendered.fell_back == []


def test_nested_loops_stop_at_the_budget_instead_of_running_millions_of_times():
    errors, seconds, peak = _measured(lambda: template_errors("", LOOP_BOMB, ""))
    assert errors == {"body": "This message would be longer than 20000 characters."}
    assert seconds < 2 and peak < 5_000_000


def test_each_part_has_its_limit_when_saving_and_when_sending():
    assert template_errors("", "", "x" * 2001) == {
        "sms_body": "This message would be longer than 2000 characters."
    }
    long_loop = "{% for lot in lots %}" + "y" * 100 + "{% endfor %}"
    assert template_errors("", long_loop, "") == {}  # one sample lot: well within the limit

    # At send time a clinic's template that grows past the limit with the real values falls back to the
    # shipped wording, which is cut to the limit however many lots there are.
    lots = [{"name": f"Vaccine {n}", "number": f"L{n}", "expires": "2031-03-31"} for n in range(5000)]
    rendered = render_message(
        "lots_expiring", "en", {**SAMPLE_CONTEXT, "lots": lots}, custom=Draft(body=long_loop)
    )
    assert rendered.fell_back == ["body"]
    assert rendered.text.startswith("These lots at Riverside Clinic expire soon")
    assert len(rendered.text) <= sandbox.LIMITS["body"]
    assert "Vaccine 0 (L0)" in rendered.text and "Vaccine 4999" not in rendered.text
    assert len(rendered.sms) <= sandbox.LIMITS["sms"]


def test_every_shipped_wording_still_renders_unchanged_in_the_message_engine():
    for message_type, languages in defaults.DEFAULTS.items():
        for language, (subject, body, sms_body) in languages.items():
            assert template_errors(subject, body, sms_body) == {}, (message_type, language)
    rendered = render_message("lots_expiring", "en", SAMPLE_CONTEXT)
    assert rendered.subject == "1 lot(s) expiring at Riverside Clinic"
    assert "- Vaccine A (L123): 2031-03-31" in rendered.text


@pytest.mark.django_db
def test_saving_a_forbidden_template_over_the_api_is_a_422_per_field(sched):
    staff = api_for(sched.staff)
    url = f"{base(sched)}/templates/appointment_booked/en"
    refused = staff.put(url, {"subject": "{% load i18n %}", "body": LJUST_BOMB, "sms_body": LOOP_BOMB})
    assert refused.status_code == 422
    assert error(refused)["fields"] == {
        "subject": ["The tag {% load %} cannot be used in messages; use if, for, comment."],
        "body": [
            "The filter |ljust cannot be used in messages; use "
            + ", ".join(sorted(sandbox.template_language.FILTERS))
            + "."
        ],
        "sms_body": ["This message would be longer than 2000 characters."],
    }
    assert staff.get(url).json()["custom"] is False
