"""A report table as CSV rows, for the dashboard's export."""

from __future__ import annotations


def flat_rows(table: dict) -> list[list]:
    """The table as CSV rows: a header, then one line per row. Figures stay numbers (``Decimal``, ``int``)
    so the CSV writer keeps them as figures and neutralises only the labels."""
    header = [table["key_label"]] + [
        f"{c['label']} ({c['currency'] or c['unit']})" if c["unit"] != "count" else c["label"]
        for c in table["columns"]
    ]
    lines = [header]
    for row in table["rows"]:
        lines.append([row["label"]] + list(row["values"]))
    return lines
