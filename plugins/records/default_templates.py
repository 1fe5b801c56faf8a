"""The note templates every organization starts with. Labels are English here and marked for
translation: a shipped template's labels are shown through gettext, so each language reads its own."""

from __future__ import annotations

from django.utils.translation import gettext_noop


def _text(key: str, label: str, *, required: bool = False, clinician_only: bool = False) -> dict:
    return {
        "key": key,
        "label": label,
        "type": "text",
        "required": required,
        "clinician_only": clinician_only,
    }


SOAP = {
    "sections": [
        {
            "key": "subjective",
            "label": gettext_noop("Subjective"),
            "fields": [
                _text("complaint", gettext_noop("Presenting complaint"), required=True),
                _text("history", gettext_noop("History of the complaint")),
            ],
        },
        {
            "key": "objective",
            "label": gettext_noop("Objective"),
            "fields": [
                _text("findings", gettext_noop("Examination findings")),
                {
                    "key": "pain",
                    "label": gettext_noop("Pain score"),
                    "type": "number",
                    "unit": "{score}",
                    "min": 0,
                    "max": 10,
                },
            ],
        },
        {
            "key": "assessment",
            "label": gettext_noop("Assessment"),
            "fields": [
                _text("assessment", gettext_noop("Assessment"), required=True),
                _text("differential", gettext_noop("Differential diagnosis"), clinician_only=True),
            ],
        },
        {
            "key": "plan",
            "label": gettext_noop("Plan"),
            "fields": [
                _text("plan", gettext_noop("Plan"), required=True),
                {
                    "key": "follow_up",
                    "label": gettext_noop("Follow-up"),
                    "type": "choice",
                    "options": [
                        gettext_noop("None needed"),
                        gettext_noop("In one week"),
                        gettext_noop("In two weeks"),
                        gettext_noop("In a month"),
                    ],
                },
            ],
        },
    ]
}

PROGRESS = {
    "sections": [
        {
            "key": "progress",
            "label": gettext_noop("Progress"),
            "fields": [
                _text("since_last", gettext_noop("Since the last visit"), required=True),
                {
                    "key": "trend",
                    "label": gettext_noop("Overall"),
                    "type": "choice",
                    "options": [gettext_noop("Better"), gettext_noop("Unchanged"), gettext_noop("Worse")],
                },
                _text("treatment", gettext_noop("Treatment today")),
                _text("plan", gettext_noop("Plan")),
            ],
        },
    ]
}

INITIAL_ASSESSMENT = {
    "sections": [
        {
            "key": "history",
            "label": gettext_noop("History"),
            "fields": [
                _text("complaint", gettext_noop("Reason for referral"), required=True),
                _text("medical_history", gettext_noop("Medical history")),
                _text("social_history", gettext_noop("Social history"), clinician_only=True),
            ],
        },
        {
            "key": "screening",
            "label": gettext_noop("Screening"),
            "fields": [
                {
                    "key": "red_flags",
                    "label": gettext_noop("Red flags checked"),
                    "type": "checklist",
                    "options": [
                        gettext_noop("Unexplained weight loss"),
                        gettext_noop("Night pain"),
                        gettext_noop("Fever"),
                        gettext_noop("Neurological signs"),
                    ],
                },
                {"key": "onset", "label": gettext_noop("Onset"), "type": "date"},
            ],
        },
        {
            "key": "findings",
            "label": gettext_noop("Findings and plan"),
            "fields": [
                _text("examination", gettext_noop("Examination")),
                _text("impression", gettext_noop("Impression"), required=True),
                _text("plan", gettext_noop("Plan"), required=True),
            ],
        },
    ]
}

# (key, name, schema): the key marks the template as shipped so its labels are translated when shown.
SHIPPED = (
    ("soap", gettext_noop("SOAP note"), SOAP),
    ("progress", gettext_noop("Progress note"), PROGRESS),
    ("initial_assessment", gettext_noop("Initial assessment"), INITIAL_ASSESSMENT),
)
