from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.forms import BoundedDateField
from core.patients.picker import FindsPatients, PatientField, PatientPicker

from .models import Item, MovementKind, Supplier


class ItemForm(forms.ModelForm):
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=None, required=False)

    class Meta:
        model = Item
        fields = [
            "name",
            "sku",
            "category",
            "unit",
            "cost_price",
            "sellable",
            "price",
            "tax_rate",
            "lot_tracked",
            "active",
        ]

    def __init__(self, *args, suppliers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["supplier"].queryset = suppliers
        if self.instance.supplier_id:
            self.initial.setdefault("supplier", self.instance.supplier_id)


class SupplierForm(forms.ModelForm):
    class Meta:
        model = Supplier
        fields = ["name", "email", "phone", "active"]


class ReorderForm(forms.Form):
    reorder_level = forms.DecimalField(
        label=_("Reorder level here"), min_value=0, max_digits=14, decimal_places=3
    )
    reorder_quantity = forms.DecimalField(
        label=_("Reorder quantity"), min_value=0, max_digits=14, decimal_places=3
    )


class ReceiveForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Item"), queryset=None)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0.001, max_digits=14, decimal_places=3)
    lot_number = forms.CharField(label=_("Lot number"), max_length=64, required=False)
    expiry_date = BoundedDateField(
        label=_("Expiry date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    unit_cost = forms.DecimalField(
        label=_("Unit cost"), min_value=0, max_digits=12, decimal_places=2, required=False
    )
    reason = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, items=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items


class DispenseForm(FindsPatients, forms.Form):
    kind = forms.ChoiceField(
        label=_("What for"),
        choices=[
            (MovementKind.DISPENSED, _("Dispensed to a patient")),
            (MovementKind.USED, _("Used in a visit")),
        ],
    )
    patient = PatientField(label=_("Patient"), required=False, widget=PatientPicker(attrs={"class": "input"}))
    item = forms.ModelChoiceField(label=_("Item"), queryset=None)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0.001, max_digits=14, decimal_places=3)
    lot = forms.ModelChoiceField(
        label=_("Lot (leave empty for the earliest-expiring)"), queryset=None, required=False
    )
    override_reason = forms.CharField(label=_("Why another lot"), max_length=300, required=False)
    reason = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args, items=None, patients=None, lots=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["patient"].queryset = patients
        self.fields["lot"].queryset = lots

    def clean(self):
        data = super().clean()
        if data.get("kind") == MovementKind.DISPENSED and not data.get("patient"):
            self.add_error("patient", _("Choose the patient the stock is dispensed to."))
        return data


class AdjustForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Item"), queryset=None)
    lot = forms.ModelChoiceField(label=_("Lot"), queryset=None, required=False)
    quantity = forms.DecimalField(label=_("Change (negative to remove)"), max_digits=14, decimal_places=3)
    reason = forms.CharField(label=_("Reason"), max_length=300)

    def __init__(self, *args, items=None, lots=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["lot"].queryset = lots


class WriteOffForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Item"), queryset=None)
    lot = forms.ModelChoiceField(label=_("Lot"), queryset=None, required=False)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0.001, max_digits=14, decimal_places=3)
    reason = forms.CharField(label=_("Reason"), max_length=300, help_text=_("Damaged, recalled, expired…"))

    def __init__(self, *args, items=None, lots=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["lot"].queryset = lots


class TransferForm(forms.Form):
    destination = forms.ModelChoiceField(label=_("To clinic"), queryset=None)
    item = forms.ModelChoiceField(label=_("Item"), queryset=None)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0.001, max_digits=14, decimal_places=3)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)
    one_step = forms.BooleanField(label=_("Received at once (I work at both clinics)"), required=False)

    def __init__(self, *args, items=None, clinics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["destination"].queryset = clinics


class OrderForm(forms.Form):
    supplier = forms.ModelChoiceField(label=_("Supplier"), queryset=None, required=False)
    item = forms.ModelChoiceField(label=_("Item"), queryset=None)
    quantity = forms.DecimalField(label=_("Quantity"), min_value=0.001, max_digits=14, decimal_places=3)
    unit_cost = forms.DecimalField(
        label=_("Unit cost"), min_value=0, max_digits=12, decimal_places=2, required=False
    )

    def __init__(self, *args, items=None, suppliers=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["supplier"].queryset = suppliers


class ImportForm(forms.Form):
    file = forms.FileField(label=_("CSV file"))
    confirm = forms.BooleanField(label=_("Import now (leave unticked for a preview)"), required=False)


class SettingsForm(forms.Form):
    allow_negative_stock = forms.BooleanField(label=_("Allow negative stock at this clinic"), required=False)


class MovementFilter(forms.Form):
    item = forms.ModelChoiceField(label=_("Item"), queryset=None, required=False)
    clinic = forms.ModelChoiceField(label=_("Clinic"), queryset=None, required=False)
    kind = forms.ChoiceField(label=_("Type"), choices=[("", "—"), *MovementKind.choices], required=False)
    start = BoundedDateField(label=_("From"), required=False, widget=forms.DateInput(attrs={"type": "date"}))
    end = BoundedDateField(label=_("To"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, items=None, clinics=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = items
        self.fields["clinic"].queryset = clinics
