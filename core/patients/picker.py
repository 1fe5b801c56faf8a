"""Choosing a patient in a form: one type-ahead for every form that names a patient.

The field never lists every patient (a clinic may have tens of thousands). It is a search box backed by
the indexed search (``search_patients``) and the chosen patient's id:

- with JavaScript (static/js/patient-picker.js), typing asks ``office:patient_pick`` for matches and shows
  them in an ARIA combobox listbox; choosing one fills in the id;
- without JavaScript, the form is a plain search-then-choose form: the person types a name, record
  number, birth date or phone and presses "Find" (or submits); one match is taken, several are offered as
  radio buttons under the box, and the form is shown again until one is chosen.

Either way the id is checked against the queryset the view allows (``visible_patients``), so a patient of
another clinic or organization cannot be chosen by editing the page.
"""

from __future__ import annotations

from django import forms
from django.db.models import QuerySet
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.dates import day

from .models import Patient
from .selectors import search_patients

# How many matches the picker offers: enough to choose from, few enough to read.
MAX_MATCHES = 10
# The columns a match is shown with (one narrow query, whatever the patient table's width).
PICK_COLUMNS = (
    "id",
    "organization_id",
    "record_number",
    "given_name",
    "family_name",
    "preferred_name",
    "date_of_birth",
    "phone",
)


def patient_label(patient: Patient) -> str:
    """How a match reads: the name, then what tells two people of the same name apart."""
    name = f"{patient.family_name}, {patient.given_name}"
    if patient.preferred_name:
        name += f" ({patient.preferred_name})"
    return name


def patient_details(patient: Patient) -> str:
    parts = [gettext("Record %(number)s") % {"number": patient.display_record_number}]
    if patient.date_of_birth:
        parts.append(gettext("born %(date)s") % {"date": day(patient.date_of_birth)})
    if patient.phone:
        parts.append(patient.phone)
    return " · ".join(parts)


def find_patients(patients: QuerySet[Patient], query: str) -> list[Patient]:
    """Up to ``MAX_MATCHES`` of ``patients`` matching ``query`` (name, record number, birth date, phone),
    in one indexed query."""
    if not (query or "").strip():
        return []
    found = search_patients(patients.filter(archived=False), query)
    return list(found.order_by("family_name", "given_name", "id").only(*PICK_COLUMNS)[:MAX_MATCHES])


class PatientPicker(forms.Widget):
    """The search box, the chosen patient's id, and (without JavaScript) the matches to choose from."""

    template_name = "components/patient_picker.html"

    def __init__(self, attrs=None):
        super().__init__(attrs)
        self.queryset: QuerySet[Patient] | None = None
        self.matches: list[Patient] = []

    def render(self, name, value, attrs=None, renderer=None):
        # The project's template engine (the form renderer's own engine does not see templates/).
        return mark_safe(render_to_string(self.template_name, self.get_context(name, value, attrs)))

    def value_from_datadict(self, data, files, name):
        return {"id": data.get(name, ""), "q": data.get(f"{name}_q", ""), "find": f"{name}_find" in data}

    def value_omitted_from_data(self, data, files, name):
        return name not in data and f"{name}_q" not in data

    def _chosen(self, value) -> Patient | None:
        if isinstance(value, Patient):
            return value
        pk = value.get("id") if isinstance(value, dict) else value
        if not pk or self.queryset is None or not str(pk).isdigit():
            return None
        return self.queryset.filter(pk=int(pk)).only(*PICK_COLUMNS).first()

    def get_context(self, name, value, attrs):
        context = super().get_context(name, value, attrs)
        query = value.get("q", "") if isinstance(value, dict) else ""
        chosen = None if self.matches else self._chosen(value)
        if chosen is not None and not query:
            query = patient_label(chosen)
        context["picker"] = {
            "query": query,
            "chosen": chosen,
            "chosen_details": patient_details(chosen) if chosen else "",
            "matches": [(p, patient_label(p), patient_details(p)) for p in self.matches],
            "source": reverse("office:patient_pick"),
        }
        return context


class PatientHiddenInput(forms.HiddenInput):
    """The chosen patient carried by a later step of a form (``field.as_hidden``): their id alone."""

    def format_value(self, value):
        if isinstance(value, dict):
            value = value.get("id")
        elif isinstance(value, Patient):
            value = value.pk
        return super().format_value(value)


class PatientField(forms.Field):
    """A patient of ``queryset``, chosen with ``PatientPicker``; ``clean`` returns the ``Patient``."""

    widget = PatientPicker
    hidden_widget = PatientHiddenInput
    default_error_messages = {
        "required": _("Find and choose the patient."),
        "none": _(
            "No patient matches “%(query)s”. Try the family name, the record number, the date of birth "
            "or the phone number."
        ),
        "several": _("Several patients match “%(query)s”: choose one below."),
        "choose": _("Choose the patient below."),
    }

    def __init__(self, *, queryset: QuerySet[Patient] | None = None, **kwargs):
        super().__init__(**kwargs)
        self.queryset = queryset

    @property
    def queryset(self) -> QuerySet[Patient] | None:
        return self._queryset

    @queryset.setter
    def queryset(self, value: QuerySet[Patient] | None) -> None:
        self._queryset = value
        self.widget.queryset = value

    def __deepcopy__(self, memo):
        copied = super().__deepcopy__(memo)
        copied.queryset = self._queryset  # the widget copy must search the same patients
        return copied

    def prepare_value(self, value):
        return value

    def to_python(self, value):
        """A patient of the queryset for an id (a link's ``?patient=12`` prefilling the form)."""
        if isinstance(value, (Patient, dict)):
            return value
        if str(value).isdigit() and self.queryset is not None:
            patient = self.queryset.filter(pk=int(value)).first()
            if patient is not None:
                return patient
        raise forms.ValidationError(self.error_messages["required"], code="invalid")

    def validate(self, value):
        pass

    def clean(self, value):
        if isinstance(value, Patient):
            return value
        value = value if isinstance(value, dict) else {"id": value or "", "q": "", "find": False}
        pk, query = str(value.get("id") or "").strip(), str(value.get("q") or "").strip()
        if value.get("find"):
            # "Find" (the form without JavaScript) only searches: it never saves the form.
            if not query:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            self.widget.matches = self._matches(query)
            code = "several" if len(self.widget.matches) > 1 else "choose"
            raise forms.ValidationError(self.error_messages[code], code=code, params={"query": query})
        if pk.isdigit() and self.queryset is not None:
            chosen = self.queryset.filter(pk=int(pk)).first()
            if chosen is not None:
                return chosen
        if not query:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return None
        matches = self._matches(query)
        if len(matches) == 1:
            return matches[0]
        self.widget.matches = matches
        raise forms.ValidationError(self.error_messages["several"], code="several", params={"query": query})

    def _matches(self, query: str) -> list[Patient]:
        matches = find_patients(self.queryset, query) if self.queryset is not None else []
        if not matches:
            raise forms.ValidationError(self.error_messages["none"], code="none", params={"query": query})
        return matches


class FindsPatients:
    """For a form with a ``PatientField``: pressing "Find" (the form without JavaScript) is a search, not a
    submission, so the answer shows the matches only, and no "This field is required." under the fields
    the person has not reached yet. The form stays invalid: the picker's own message asks for a choice."""

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or self._errors is None:
            return
        finding = {
            name
            for name, field in self.fields.items()
            if isinstance(field, PatientField) and f"{self.add_prefix(name)}_find" in self.data
        }
        if finding:
            for name in [name for name in self._errors if name not in finding]:
                del self._errors[name]
