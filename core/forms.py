"""Form helpers shared by every back-office and account form."""

from django import forms
from django.core.exceptions import ValidationError


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
    pass


def apply_errors(form: forms.BaseForm, error: ValidationError) -> None:
    """Show a service's refusal on ``form``: each message under its field when the form has that field,
    the rest above the form."""
    if hasattr(error, "error_dict"):
        for field, errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, errors)
    else:
        form.add_error(None, error)
