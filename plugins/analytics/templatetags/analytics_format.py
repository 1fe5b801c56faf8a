"""Formatting of report figures by their unit, in the active language's number format."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils.formats import number_format
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

register = template.Library()

# Shades of the utilization heatmap, from under 20 % to 100 % and more (text stays readable on each).
HEAT = (
    "bg-sky-50 text-foreground",
    "bg-sky-100 text-foreground",
    "bg-sky-200 text-foreground",
    "bg-sky-300 text-foreground",
    "bg-sky-600 text-white",
    "bg-sky-800 text-white",
)


@register.filter
def figure(value, unit: str) -> str:
    if value is None:
        return "—"
    value = Decimal(str(value))
    if unit == "money":
        return number_format(value, 2, use_l10n=True, force_grouping=True)
    if unit == "percent":
        return number_format(value, 1, use_l10n=True) + " %"
    if unit in ("hours", "days"):
        return number_format(value, 1, use_l10n=True, force_grouping=True)
    places = 0 if value == value.to_integral_value() else 2
    return number_format(value, places, use_l10n=True, force_grouping=True)


@register.filter
def change(value) -> str:
    if value is None:
        return ""
    sign = "+" if value > 0 else ("−" if value < 0 else "±")
    return f"{sign}{number_format(abs(value), 1, use_l10n=True)} %"


@register.filter
def heat(level) -> str:
    if level is None:
        return "text-muted-foreground"
    return HEAT[max(0, min(int(level), len(HEAT) - 1))]


@register.simple_tag
def unit_name(column) -> str:
    if column["unit"] == "money":
        return column["currency"]
    return {"percent": "%", "hours": _("hours"), "days": _("days")}.get(column["unit"], "")


@register.simple_tag
def table_rows(table) -> str:
    """A data table's body rows in one pass: a year's report has well over a thousand cells, and a
    template node per cell was most of the page's rendering time. The same markup as a loop would give."""
    lines = []
    for row in table["rows"]:
        cells = "".join(
            f'<td class="text-right">{escape(figure(cell["value"], cell["unit"]))}</td>'
            for cell in row["cells"]
        )
        lines.append(f'<tr><th scope="row" class="font-normal">{escape(row["label"])}</th>{cells}</tr>')
    return mark_safe("".join(lines))  # every value above is escaped
