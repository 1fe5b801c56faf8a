"""The vital signs the chart records: LOINC code, canonical UCUM unit, the range a real measurement
falls in, and how the clinic's units convert to the canonical one.

Values are stored canonical (kg, cm, Cel) so a chart over time never mixes units; a clinic working in US
units enters and reads lb, in and °F.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class VitalKind:
    key: str
    label: str
    loinc: str
    unit: str  # canonical UCUM
    low: Decimal  # plausible bounds, canonical unit: anything outside is a typing error
    high: Decimal
    us_unit: str = ""  # UCUM unit a US-units clinic types and reads, when it differs
    to_canonical: tuple[Decimal, Decimal] = (Decimal(1), Decimal(0))  # canonical = us * a + b


D = Decimal
KINDS: dict[str, VitalKind] = {
    k.key: k
    for k in (
        VitalKind("height", _("Height"), "8302-2", "cm", D(20), D(272), "[in_i]", (D("2.54"), D(0))),
        VitalKind(
            "weight", _("Weight"), "29463-7", "kg", D("0.3"), D(650), "[lb_av]", (D("0.45359237"), D(0))
        ),
        VitalKind("bmi", _("BMI"), "39156-5", "kg/m2", D(5), D(150)),
        VitalKind("systolic", _("Systolic blood pressure"), "8480-6", "mm[Hg]", D(40), D(300)),
        VitalKind("diastolic", _("Diastolic blood pressure"), "8462-4", "mm[Hg]", D(20), D(200)),
        VitalKind("pulse", _("Pulse"), "8867-4", "/min", D(20), D(300)),
        VitalKind(
            "temperature",
            _("Temperature"),
            "8310-5",
            "Cel",
            D(25),
            D(45),
            "[degF]",
            (D(5) / D(9), D("-17.7777778")),
        ),
        VitalKind("spo2", _("Oxygen saturation"), "59408-5", "%", D(50), D(100)),
        VitalKind("respiratory_rate", _("Respiratory rate"), "9279-1", "/min", D(4), D(80)),
        VitalKind("pain", _("Pain score"), "72514-3", "{score}", D(0), D(10)),
    )
}

# What people read instead of UCUM's machine spelling.
UNIT_LABELS = {
    "cm": "cm",
    "kg": "kg",
    "kg/m2": "kg/m²",
    "mm[Hg]": "mmHg",
    "/min": "/min",
    "Cel": "°C",
    "%": "%",
    "{score}": "/10",
    "[in_i]": "in",
    "[lb_av]": "lb",
    "[degF]": "°F",
}

ENTERED = tuple(k for k in KINDS if k != "bmi")  # BMI is computed from height and weight


def entry_unit(kind: VitalKind, units: str) -> str:
    """The unit a clinic working in ``units`` types this vital in."""
    return kind.us_unit if units == "us" and kind.us_unit else kind.unit


def to_canonical(kind: VitalKind, value: Decimal, units: str) -> Decimal:
    if units == "us" and kind.us_unit:
        a, b = kind.to_canonical
        value = value * a + b
    return value.quantize(D("0.01"), rounding=ROUND_HALF_UP)


def for_display(kind: VitalKind, value: Decimal, units: str) -> Decimal:
    if units == "us" and kind.us_unit:
        a, b = kind.to_canonical
        value = (value - b) / a
    return value.quantize(D("0.1"), rounding=ROUND_HALF_UP)


def bmi(height_cm: Decimal, weight_kg: Decimal) -> Decimal:
    metres = height_cm / D(100)
    return (weight_kg / (metres * metres)).quantize(D("0.1"), rounding=ROUND_HALF_UP)
