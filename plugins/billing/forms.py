from decimal import Decimal

from django import forms
from django.utils.translation import gettext_lazy as _

from core.compliance.packs import pack_for
from core.compliance.tax_ids import check_tax_id
from core.forms import BoundedDateField, StyledForm, StyledModelForm
from core.patients.picker import FindsPatients, PatientField
from core.quantities import plain_quantity

from .models import BillingProfile, InvoiceSeries, InvoiceStatus, LineKind, PaymentMethod, TaxRate


class InvoiceFilterForm(StyledForm):
    status = forms.ChoiceField(
        label=_("Status"),
        required=False,
        choices=[("", _("All")), ("open", _("Unpaid")), *InvoiceStatus.choices],
    )
    q = forms.CharField(label=_("Patient or number"), required=False, max_length=100)
    start = BoundedDateField(
        label=_("Issued from"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = BoundedDateField(
        label=_("Issued until"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )


class DraftForm(FindsPatients, StyledForm):
    patient = PatientField(label=_("Patient"))
    notes = forms.CharField(
        label=_("Notes"), required=False, max_length=5000, widget=forms.Textarea(attrs={"rows": 2})
    )

    def __init__(self, *args, patients, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["patient"].queryset = patients


class LineForm(StyledForm):
    description = forms.CharField(label=_("Description"), max_length=300)
    quantity = forms.DecimalField(label=_("Quantity"), max_digits=12, decimal_places=3, initial=Decimal(1))
    unit_price = forms.DecimalField(label=_("Unit price"), max_digits=14, decimal_places=4)
    discount_percent = forms.DecimalField(
        label=_("Discount (%)"), max_digits=6, decimal_places=3, required=False, initial=Decimal(0)
    )
    tax_rate = forms.ModelChoiceField(
        queryset=None, label=_("Tax"), required=False, empty_label=_("Clinic default")
    )
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=LineKind.choices,
        initial=LineKind.FREE,
        help_text=_(
            "Products kept in stock are added from the search above, so issuing takes them out of stock."
        ),
    )

    def __init__(self, *args, tax_rates, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["tax_rate"].queryset = tax_rates


class PaymentForm(StyledForm):
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=4)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    date = BoundedDateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100)


class ApplyCreditForm(StyledForm):
    amount = forms.DecimalField(
        label=_("Credit to use"),
        max_digits=14,
        decimal_places=4,
        required=False,
        help_text=_("Leave empty to use as much as the credit and the balance allow."),
    )


class RefundForm(StyledForm):
    credit_note = forms.ModelChoiceField(queryset=None, label=_("Credit note"), empty_label=None)
    amount = forms.DecimalField(label=_("Amount"), max_digits=14, decimal_places=4)
    method = forms.ChoiceField(label=_("Method"), choices=PaymentMethod.choices)
    date = BoundedDateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))
    reference = forms.CharField(label=_("Reference"), required=False, max_length=100)

    def __init__(self, *args, credit_notes, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["credit_note"].queryset = credit_notes


class CreditNoteForm(StyledForm):
    """Quantities to take back per line; with none given, everything not yet credited is taken back
    (what is wanted most often, so it needs no extra tick)."""

    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, lines, remaining, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_fields = []
        for line in lines:
            name = f"line_{line.pk}"
            self.fields[name] = forms.DecimalField(
                label=line.description,
                required=False,
                min_value=0,
                max_digits=12,
                decimal_places=3,
                help_text=_("At most %(n)s") % {"n": plain_quantity(remaining.get(line.pk, 0))},
            )
            self.fields[name].widget.attrs.setdefault("class", "input")
            self.line_fields.append((line.pk, name))

    def quantities(self):
        """``{line id: quantity}`` for the lines given, or None (everything left) when none is given."""
        given = {pk: self.cleaned_data[name] for pk, name in self.line_fields if self.cleaned_data.get(name)}
        return given or None


class TaxRateForm(StyledModelForm):
    class Meta:
        model = TaxRate
        fields = ["name", "rate", "applies_to", "exempt", "is_default", "active"]


class SeriesForm(StyledModelForm):
    class Meta:
        model = InvoiceSeries
        fields = ["prefix", "yearly_reset"]


class ProfileForm(StyledModelForm):
    class Meta:
        model = BillingProfile
        fields = ["legal_name", "tax_id", "address", "invoice_footer", "payment_terms_days", "facturx"]
        widgets = {
            "address": forms.Textarea(attrs={"rows": 3}),
            "invoice_footer": forms.Textarea(attrs={"rows": 2}),
        }
        help_texts = {
            "facturx": _(
                "An invoice billed to a company is then a PDF/A-3 carrying its data for the company's "
                "accounting software (EN 16931)."
            )
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        pack = pack_for(self.instance.organization) if self.instance.organization_id else None
        if pack is not None:
            self.fields["tax_id"].help_text = pack.tax_id_help

    def clean_tax_id(self):
        """Checked against the formats the organization's country accepts, so a mistyped number is
        caught here rather than on the first invoice."""
        value = self.cleaned_data.get("tax_id", "")
        pack = pack_for(self.instance.organization) if self.instance.organization_id else None
        return check_tax_id(pack, value) if pack is not None else value.strip()


class BillToForm(StyledForm):
    """A company that pays the invoice instead of the patient; leave the name empty to bill the patient."""

    name = forms.CharField(label=_("Company"), required=False, max_length=200)
    address = forms.CharField(
        label=_("Company address"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )
    country = forms.CharField(
        label=_("Country code"), required=False, max_length=2, help_text=_("e.g. DE or FR")
    )
    vat_id = forms.CharField(label=_("VAT number"), required=False, max_length=30)
