"""Formatting of report figures by their unit, in the active language's number format."""

from __future__ import annotations

from decimal import Decimal

from django import template
from django.utils import numberformat
from django.utils.formats import get_format, number_format
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


def _number_formatter():
    """``number_format`` with the active language's separators read once: it looks them up on every call,
    which was a third of the formatting time of a table with thousands of cells."""
    decimal_sep = get_format("DECIMAL_SEPARATOR", use_l10n=True)
    thousand_sep = get_format("THOUSAND_SEPARATOR", use_l10n=True)
    grouping = get_format("NUMBER_GROUPING", use_l10n=True)

    def format_number(value, places: int, force_grouping: bool) -> str:
        return numberformat.format(
            value, decimal_sep, places, grouping, thousand_sep, force_grouping=force_grouping, use_l10n=True
        )

    return format_number


def _figure(value, unit: str, format_number) -> str:
    if value is None:
        return "—"
    value = Decimal(str(value))
    if unit == "money":
        return format_number(value, 2, True)
    if unit == "percent":
        return format_number(value, 1, False) + " %"
    if unit in ("hours", "days"):
        return format_number(value, 1, True)
    places = 0 if value == value.to_integral_value() else 2
    return format_number(value, places, True)


@register.filter
def figure(value, unit: str) -> str:
    return _figure(value, unit, _number_formatter())


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
    lines, format_number = [], _number_formatter()
    for row in table["shown"]:
        cells = "".join(
            f'<td class="text-right">{escape(_figure(cell["value"], cell["unit"], format_number))}</td>'
            for cell in row["cells"]
        )
        lines.append(f'<tr><th scope="row" class="font-normal">{escape(row["label"])}</th>{cells}</tr>')
    return mark_safe("".join(lines))  # every value above is escaped
