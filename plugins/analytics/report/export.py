"""A report table as CSV rows, for the dashboard's export."""

from __future__ import annotations


def flat_rows(table: dict) -> list[list]:
    """The table as CSV rows: a header, then one line per row (raw numbers, no formatting)."""
    header = [table["key_label"]] + [
        f"{c['label']} ({c['currency'] or c['unit']})" if c["unit"] != "count" else c["label"]
        for c in table["columns"]
    ]
    lines = [header]
    for row in table["rows"]:
        lines.append([row["label"]] + ["" if v is None else str(v) for v in row["values"]])
    return lines
