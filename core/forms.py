"""Form helpers shared by every back-office and account form."""

import html

from django import forms
from django.core.exceptions import ValidationError
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from core.dates import FIRST_DAY, LAST_DAY, check_in_range

# --- dates people enter ----------------------------------------------------------------------------------


class WithinYearsMixin:
    """A date or time field refusing values outside the accepted years (``core.dates``): beyond them,
    a zone's offset or a duration added later would overflow, and the database would keep a year BC.
    The browser's date pickers are told the same bounds."""

    def to_python(self, value):
        return check_in_range(super().to_python(value))

    def widget_attrs(self, widget):
        attrs = super().widget_attrs(widget)
        kind = widget.attrs.get("type", getattr(widget, "input_type", None))
        if kind == "date":
            attrs.setdefault("min", FIRST_DAY.isoformat())
            attrs.setdefault("max", LAST_DAY.isoformat())
        elif kind == "datetime-local":
            attrs.setdefault("min", f"{FIRST_DAY.isoformat()}T00:00")
            attrs.setdefault("max", f"{LAST_DAY.isoformat()}T23:59")
        return attrs


class BoundedDateField(WithinYearsMixin, forms.DateField):
    pass


class BoundedDateTimeField(WithinYearsMixin, forms.DateTimeField):
    pass


class BoundedSplitDateTimeField(forms.SplitDateTimeField):
    """A day and a time entered apart; the day is bounded like ``BoundedDateField``."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields = (BoundedDateField(error_messages=self.fields[0].error_messages), self.fields[1])


def bounded_formfield(db_field, **kwargs):
    """A model form's field for ``db_field``, with dates and times bounded like every other form's."""
    from django.db import models

    if isinstance(db_field, models.DateTimeField):
        kwargs.setdefault("form_class", BoundedDateTimeField)
    elif isinstance(db_field, models.DateField):
        kwargs.setdefault("form_class", BoundedDateField)
    return db_field.formfield(**kwargs)


# --- look ------------------------------------------------------------------------------------------------


class StyledFormMixin:
    """Give every widget the design system's classes and tie error/help text to inputs for screen readers."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "h-4 w-4 rounded border-input")
            elif isinstance(widget, (forms.CheckboxSelectMultiple, forms.RadioSelect)):
                widget.attrs.setdefault("class", "space-y-1 text-sm")
            else:
                widget.attrs.setdefault("class", "input")

    def full_clean(self):
        # Mark invalid inputs once cleaning is done (subclasses may still adjust fields in __init__).
        super().full_clean()
        for name in self.errors:
            if name in self.fields:
                self.fields[name].widget.attrs["aria-invalid"] = "true"
                self.fields[name].widget.attrs["aria-describedby"] = f"id_{name}_error"


class StyledForm(StyledFormMixin, forms.Form):
    pass


class StyledModelForm(StyledFormMixin, forms.ModelForm):
    formfield_callback = bounded_formfield


def apply_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on ``form``: each message under its field when the form has that field,
    the rest above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)


# --- long lists ----------------------------------------------------------------------------------------


class ListSelect(forms.Select):
    """A select whose options are written in one pass. Django renders a template per option, about a
    millisecond each: close to half a second for an organization with hundreds of practitioners and
    services. Same markup: the field's attributes on the select, one option per choice. Each value and
    label is escaped here (a label already marked safe is kept as it is), as ``format_html`` would, at a
    tenth of its cost: the audit log's filters list every member of an organization, over a thousand."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        options = "".join(
            f'<option value="{_escape(v)}"{" selected" if str(v) in chosen else ""}>{_escape(label)}</option>'
            for v, label in self.choices
        )
        return format_html(
            '<select name="{}"{}>{}</select>',
            name,
            flatatt(self.build_attrs(self.attrs, attrs)),
            mark_safe(options),  # noqa: S308 - every part was escaped above
        )


def _escape(text) -> str:
    if hasattr(text, "__html__"):
        return text.__html__()
    return html.escape(str(text), quote=True)
