"""The note templates every organization starts with. Labels are English here and marked for
translation: a shipped template's labels are shown through gettext, so each language reads its own."""

from __future__ import annotations

from django.utils.translation import gettext_noop as N_


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
            "label": N_("Subjective"),
            "fields": [
                _text("complaint", N_("Presenting complaint"), required=True),
                _text("history", N_("History of the complaint")),
            ],
        },
        {
            "key": "objective",
            "label": N_("Objective"),
            "fields": [
                _text("findings", N_("Examination findings")),
                {
                    "key": "pain",
                    "label": N_("Pain score"),
                    "type": "number",
                    "unit": "{score}",
                    "min": 0,
                    "max": 10,
                },
            ],
        },
        {
            "key": "assessment",
            "label": N_("Assessment"),
            "fields": [
                _text("assessment", N_("Assessment"), required=True),
                _text("differential", N_("Differential diagnosis"), clinician_only=True),
            ],
        },
        {
            "key": "plan",
            "label": N_("Plan"),
            "fields": [
                _text("plan", N_("Plan"), required=True),
                {
                    "key": "follow_up",
                    "label": N_("Follow-up"),
                    "type": "choice",
                    "options": [N_("None needed"), N_("In one week"), N_("In two weeks"), N_("In a month")],
                },
            ],
        },
    ]
}

PROGRESS = {
    "sections": [
        {
            "key": "progress",
            "label": N_("Progress"),
            "fields": [
                _text("since_last", N_("Since the last visit"), required=True),
                {
                    "key": "trend",
                    "label": N_("Overall"),
                    "type": "choice",
                    "options": [N_("Better"), N_("Unchanged"), N_("Worse")],
                },
                _text("treatment", N_("Treatment today")),
                _text("plan", N_("Plan")),
            ],
        },
    ]
}

INITIAL_ASSESSMENT = {
    "sections": [
        {
            "key": "history",
            "label": N_("History"),
            "fields": [
                _text("complaint", N_("Reason for referral"), required=True),
                _text("medical_history", N_("Medical history")),
                _text("social_history", N_("Social history"), clinician_only=True),
            ],
        },
        {
            "key": "screening",
            "label": N_("Screening"),
            "fields": [
                {
                    "key": "red_flags",
                    "label": N_("Red flags checked"),
                    "type": "checklist",
                    "options": [
                        N_("Unexplained weight loss"),
                        N_("Night pain"),
                        N_("Fever"),
                        N_("Neurological signs"),
                    ],
                },
                {"key": "onset", "label": N_("Onset"), "type": "date"},
            ],
        },
        {
            "key": "findings",
            "label": N_("Findings and plan"),
            "fields": [
                _text("examination", N_("Examination")),
                _text("impression", N_("Impression"), required=True),
                _text("plan", N_("Plan"), required=True),
            ],
        },
    ]
}

# (key, name, schema): the key marks the template as shipped so its labels are translated when shown.
SHIPPED = (
    ("soap", N_("SOAP note"), SOAP),
    ("progress", N_("Progress note"), PROGRESS),
    ("initial_assessment", N_("Initial assessment"), INITIAL_ASSESSMENT),
)
