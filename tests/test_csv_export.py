"""The one CSV writer: text a spreadsheet would run as a formula is neutralised, figures and dates are not."""

from __future__ import annotations

import csv
import io
from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from core.csv_export import csv_filename, csv_response, neutralise

FORMULAS = ['=HYPERLINK("http://x")', "+1", "-2+3", "@SUM(A1)", "\tcmd", "\rcmd"]


def test_every_text_that_starts_like_a_formula_gets_a_leading_quote():
    for text in FORMULAS:
        assert neutralise(text) == "'" + text
    assert neutralise("Ibuprofen 400") == "Ibuprofen 400"
    assert neutralise("a=b") == "a=b"  # only the first character makes a formula
    assert neutralise("") == ""


def test_figures_and_dates_keep_their_type_so_a_spreadsheet_can_add_them_up():
    assert neutralise(-4) == -4
    assert neutralise(Decimal("-4.50")) == Decimal("-4.50")
    assert neutralise(-0.5) == -0.5
    assert neutralise(None) == ""
    assert neutralise(date(2031, 3, 3)) == "2031-03-03"
    moment = datetime(2031, 3, 3, 9, 30, tzinfo=ZoneInfo("Europe/Berlin"))
    assert neutralise(moment) == "2031-03-03T09:30:00+01:00"
    # The same characters as text are text: a caller that formats a number first gets it quoted.
    assert neutralise("-4") == "'-4"


def test_response_is_a_dated_csv_download_with_every_cell_neutralised():
    rows = [["name", "quantity"], *[[formula, -4] for formula in FORMULAS]]
    response = csv_response("Stock movements", rows, date(2031, 3, 3))
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="stock-movements-2031-03-03.csv"'
    rows = list(csv.reader(io.StringIO(response.content.decode(), newline="")))
    assert rows[0] == ["name", "quantity"]
    assert [row[0] for row in rows[1:]] == ["'" + f for f in FORMULAS]
    assert {row[1] for row in rows[1:]} == {"-4"}


def test_filename_of_a_translated_name_keeps_its_letters():
    assert csv_filename("Lagerbewegungen März", date(2031, 3, 3)) == "lagerbewegungen-märz-2031-03-03.csv"
    assert csv_filename("=+-@", date(2031, 3, 3)) == "export-2031-03-03.csv"
