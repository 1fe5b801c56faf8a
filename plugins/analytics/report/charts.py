"""What a table's chart is drawn from: the chart script's labels and datasets, or the weekday × hour grid
of a heatmap."""

from __future__ import annotations

from decimal import Decimal

from django.utils.translation import gettext as _

UNIT_LABELS = {
    "count": lambda: _("Number"),
    "percent": lambda: "%",
    "hours": lambda: _("Hours"),
    "days": lambda: _("Days"),
}

WEEKDAYS = (
    lambda: _("Monday"),
    lambda: _("Tuesday"),
    lambda: _("Wednesday"),
    lambda: _("Thursday"),
    lambda: _("Friday"),
    lambda: _("Saturday"),
    lambda: _("Sunday"),
)


def _unit_label(column: dict) -> str:
    if column["unit"] == "money":
        return column["currency"] or _("Amount")
    return UNIT_LABELS.get(column["unit"], lambda: column["unit"])()


def chart_data(table: dict, x_label: str) -> dict:
    """What the chart script needs: labels, one dataset per column sharing the first column's unit."""
    first = table["columns"][0]
    used = [
        i
        for i, c in enumerate(table["columns"])
        if (c["unit"], c["currency"]) == (first["unit"], first["currency"])
    ]
    return {
        "type": table["chart"],
        "title": table["title"],
        "labels": [r["label"] for r in table["shown"]],
        "datasets": [
            {
                "label": table["columns"][i]["label"],
                "data": [
                    float(r["values"][i]) if r["values"][i] is not None else None for r in table["shown"]
                ],
            }
            for i in used
        ],
        "x": x_label,
        "y": _unit_label(first),
    }


def heatmap(rows: list[dict]) -> dict:
    """Weekday × hour utilization as a grid; each cell has a level 0-5 for its shade."""
    cells: dict[tuple[int, int], Decimal | None] = {}
    for row in rows:
        weekday, hour = (int(part) for part in row["key"].split("-"))
        cells[(weekday, hour)] = row["values"][0]
    hours = sorted({h for _w, h in cells}) or []
    grid = []
    for weekday in range(7):
        line = []
        for hour in hours:
            value = cells.get((weekday, hour))
            level = None if value is None else min(5, int(value // 20))
            line.append({"value": value, "level": level})
        grid.append({"label": WEEKDAYS[weekday](), "cells": line})
    return {"hours": [f"{h:02d}:00" for h in hours], "rows": grid}
