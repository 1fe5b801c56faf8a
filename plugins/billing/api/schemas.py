"""What the billing API reads and answers: request bodies, and invoices, payments, credit notes and refunds
as the API shows them (amounts as decimal strings with their currency's minor units)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Annotated, Literal

from ninja import Schema
from pydantic import Field

from core.api.common import PageParams
from core.api.schemas import StrictSchema
from core.api.types import BoundedDate

from ..money import as_text

Money = Annotated[
    str,
    Field(
        description="An amount as a decimal string with the currency's minor units (EUR 12.50, JPY 1200).",
        json_schema_extra={"format": "decimal", "examples": ["12.50"]},
    ),
]


def _value(obj, name):
    return obj[name] if isinstance(obj, dict) else getattr(obj, name)


def _money(name: str, currency_of=lambda obj: _value(obj, "currency"), exact: bool = False):
    """A resolver showing ``name`` with the precision of the object's currency."""

    def resolve(obj: object) -> str:
        return as_text(_value(obj, name), currency_of(obj), exact=exact)

    return staticmethod(resolve)


class LineOut(Schema):
    id: int
    kind: str
    reference: str
    description: str
    quantity: Decimal
    unit_price: Money
    discount_percent: Decimal
    tax_name: str
    tax_rate: Decimal
    net_amount: Money
    tax_amount: Money
    gross_amount: Money

    # A line is always read through its invoice (no extra query: the related manager sets it).
    resolve_unit_price = _money("unit_price", lambda line: line.invoice.currency, exact=True)
    resolve_net_amount = _money("net_amount", lambda line: line.invoice.currency)
    resolve_tax_amount = _money("tax_amount", lambda line: line.invoice.currency)
    resolve_gross_amount = _money("gross_amount", lambda line: line.invoice.currency)


class InvoiceOut(Schema):
    id: int
    clinic_id: int
    patient_id: int
    practitioner_id: int | None
    status: str
    number: str | None
    issue_date: dt.date | None
    supply_date: dt.date | None
    due_date: dt.date | None
    currency: str
    net_total: Money
    tax_total: Money
    gross_total: Money
    paid_total: Money
    credited_total: Money
    balance: Money
    seller: dict
    buyer: dict
    bill_to: dict = Field(description="The company billed instead of the patient, if any (empty otherwise).")

    resolve_net_total = _money("net_total")
    resolve_tax_total = _money("tax_total")
    resolve_gross_total = _money("gross_total")
    resolve_paid_total = _money("paid_total")
    resolve_credited_total = _money("credited_total")
    resolve_balance = _money("balance")


class InvoiceDetailOut(InvoiceOut):
    lines: list[LineOut]
    pdf_state: str | None
    patient_credit: Money = Field(description="The patient's credit at this clinic, in this currency.")

    resolve_patient_credit = _money("patient_credit")


class BillToIn(StrictSchema):
    """A company that pays instead of the patient; with Factur-X switched on, the invoice is issued as one."""

    name: str = Field(max_length=200)
    address: str = Field(default="", max_length=1000)
    country: str = Field(default="", max_length=2, description="ISO country code, e.g. `DE`.")
    vat_id: str = Field(default="", max_length=30, description="EU VAT number with its country prefix.")


class InvoiceCreate(StrictSchema):
    patient_id: int
    appointment_id: int | None = None
    notes: str = Field(default="", max_length=5000)
    bill_to: BillToIn | None = None


class LineIn(StrictSchema):
    description: str = Field(default="", max_length=300)
    quantity: Decimal = Field(default=Decimal(1), max_digits=12, decimal_places=3)
    unit_price: Decimal | None = Field(default=None, max_digits=14, decimal_places=4)
    discount_percent: Decimal = Field(default=Decimal(0), ge=0, le=100, max_digits=6, decimal_places=3)
    tax_rate_id: int | None = None
    kind: Literal["service", "product", "appointment", "free"] = "free"
    billable: str | None = Field(
        default=None, max_length=130, description="`kind:reference`, e.g. `appointment:12`"
    )


class PaymentIn(StrictSchema):
    amount: Decimal = Field(max_digits=14, decimal_places=4)
    method: Literal["cash", "card", "bank_transfer", "other"]
    date: BoundedDate | None = None
    reference: str = Field(default="", max_length=100)


class PaymentOut(Schema):
    id: int
    invoice_id: int
    method: str
    amount: Money
    applied_amount: Money
    credit_amount: Money
    currency: str
    date: BoundedDate
    reference: str

    resolve_amount = _money("amount")
    resolve_applied_amount = _money("applied_amount")
    resolve_credit_amount = _money("credit_amount")


class PaymentResult(Schema):
    payment: PaymentOut
    message: str
    invoice: InvoiceOut


class CreditNoteIn(StrictSchema):
    reason: str = Field(min_length=1, max_length=300)
    lines: dict[int, Decimal] | None = Field(
        default=None, description="line id → quantity; omit for everything"
    )


class CreditNoteOut(Schema):
    id: int
    invoice_id: int
    number: str
    issue_date: BoundedDate
    currency: str
    reason: str
    net_total: Money
    tax_total: Money
    gross_total: Money
    refundable_amount: Money
    refunded_amount: Money

    resolve_net_total = _money("net_total")
    resolve_tax_total = _money("tax_total")
    resolve_gross_total = _money("gross_total")
    resolve_refundable_amount = _money("refundable_amount")
    resolve_refunded_amount = _money("refunded_amount")


class CreditApplyIn(StrictSchema):
    amount: Decimal | None = Field(
        default=None,
        max_digits=14,
        decimal_places=4,
        description="How much credit to use; omit to use as much as the credit and the balance allow.",
    )


class CreditApplied(Schema):
    applied: Money
    patient_credit: Money
    message: str
    invoice: InvoiceOut

    resolve_applied = _money("applied", lambda data: data["invoice"].currency)
    resolve_patient_credit = _money("patient_credit", lambda data: data["invoice"].currency)


class RefundIn(StrictSchema):
    amount: Decimal = Field(max_digits=14, decimal_places=4)
    method: Literal["cash", "card", "bank_transfer", "other"]
    date: BoundedDate | None = None
    reference: str = Field(default="", max_length=100)


class RefundOut(Schema):
    id: int
    credit_note_id: int
    method: str
    amount: Money
    currency: str
    date: BoundedDate
    reference: str

    resolve_currency = staticmethod(lambda refund: refund.credit_note.currency)
    resolve_amount = _money("amount", lambda refund: refund.credit_note.currency)


class BucketOut(Schema):
    label: str
    total: Money
    count: int

    resolve_total = _money("total")


class OutstandingOut(Schema):
    currency: str
    total: Money
    count: int
    buckets: list[BucketOut]

    resolve_total = _money("total")


class InvoiceFilters(PageParams):
    status: str = Field(default="", max_length=20)
    q: str = Field(default="", max_length=100)
