"""Markup of the calendar grid's body: the time axis, every cell and every appointment block.

A clinic's week is thousands of cells and can be a thousand and more appointments, so this markup is
written in one pass over the grid with strings escaped here, not through a template loop with tags per
cell (docs/decisions.md has the measurements). Texts from the database are escaped with ``escape``;
labels are translated once per page; links are reversed once and filled in per appointment.
"""

from __future__ import annotations

import html
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from urllib.parse import quote

from django.utils.formats import date_format
from django.utils.translation import gettext as _

from ..models import Status
from .grid import BOOKED, FREE, Block, Column, Grid, clock

MOVABLE = (Status.BOOKED, Status.REQUESTED)
COLOUR = re.compile(r"#[0-9a-fA-F]{3,8}")
MARK = "\x00"
# A movable block's patient link is not dragged on its own: dragging anywhere on the block moves it.
NOT_DRAGGED = ' draggable="false"'


def escape(text) -> str:
    """HTML-escaped text (quotes too), as Django's ``escape`` but without its lazy-string wrapper, which
    costs more than the escaping itself a few thousand times a page."""
    return html.escape(str(text), quote=True)


@dataclass
class Links:
    """Addresses the grid links to; ``edit``, ``status`` and ``move`` hold ``PK`` where the id goes."""

    create: str
    edit: str
    status: str
    move: str
    here: str  # the calendar page itself, where status buttons come back to
    back: str  # the calendar's view and filters, carried through the booking form
    csrf: str


@dataclass
class Rights:
    """What the viewer may do, per practitioner (membership id)."""

    book: dict[int, bool] = field(default_factory=dict)
    act: dict[int, bool] = field(default_factory=dict)


def _split(template: str) -> tuple[str, str]:
    """A translated label around one varying part, escaped once: (before, after)."""
    head, _sep, tail = template.partition(MARK)
    return escape(head), escape(tail)


class GridMarkup:
    """Writes one grid's header rows and body. ``rights`` says per practitioner whether free cells link
    to the booking form and whether blocks can be dragged and change status; ``muted`` dims appointments
    the page's filters leave out (they still hold their time)."""

    def __init__(
        self,
        grid: Grid,
        *,
        layout: str = "day",
        day_link: str = "?date=DATE",
        links: Links,
        rights: Rights,
        next_steps: dict[str, list[tuple[str, str]]],
        muted: Callable[[object], bool] = lambda appointment: False,
    ):
        self.grid = grid
        self.layout = layout  # "day", "per_day" (one practitioner's week) or "week" (the clinic's)
        self.day_link = escape(day_link).split("DATE")
        self.links = links
        self.rights = rights
        self.next_steps = {
            status: "".join(
                f'<button type="submit" name="status" value="{escape(value)}" data-status="{escape(value)}"'
                f' class="cal-action">{escape(label)}</button>'
                for value, label in steps
            )
            for status, steps in next_steps.items()
        }
        self.muted = muted
        self.status_labels = {value: escape(label) for value, label in Status.choices}
        self.status_classes = {value: f" cal-{escape(value)}" for value in Status.values}
        self.edit = escape(links.edit).split("PK")
        self.status_url = escape(links.status).split("PK")
        self.move = escape(links.move).split("PK")
        self.csrf = escape(links.csrf)
        self.here = escape(links.here)
        self.back = f"&amp;back={escape(quote(links.back))}" if links.back else ""
        self.starts_earlier = escape(_("Starts earlier"))
        self.ends_later = escape(_("Ends later"))
        self.status_label = escape(_("Change status"))
        self._names: dict[int, str] = {}
        self._services: dict[int, tuple[str, str]] = {}

    # -- pieces -------------------------------------------------------------------------------------------

    def axis(self) -> str:
        every_row = self.grid.step > 30
        labels = "".join(
            f'<div class="cal-axis-label" style="grid-row:{row.row}">{row.label}</div>'
            for row in self.grid.rows
            if every_row or row.is_hour
        )
        return f'<div class="cal-axis" aria-hidden="true">{labels}</div>'

    def column(self, column: Column) -> str:
        practitioner = column.practitioner
        pk = practitioner.pk
        day = column.day.isoformat()
        group = escape(f"{date_format(column.day, 'D j M')} · {practitioner.name}")
        can_book = self.rights.book.get(pk, False)
        can_act = self.rights.act.get(pk, False)
        if self.layout == "day":
            label = _("Book %(time)s with %(name)s") % {"time": MARK, "name": practitioner.name}
        else:  # a week: the same time comes seven times, so the day is named too
            label = _("Book %(time)s on %(day)s with %(name)s") % {
                "time": MARK,
                "day": date_format(column.day, "D j M"),
                "name": practitioner.name,
            }
        book_head, book_tail = _split(label)
        create = f"{escape(self.links.create)}?practitioner={pk}&amp;start={day}T"
        parts = [
            f'<div class="cal-col{"" if column.works else " cal-col-closed"}" role="group"'
            f' aria-label="{group}"'
            f' data-practitioner="{pk}"{" data-drop-column" if can_act else ""} data-date="{day}"'
            f' data-testid="calendar-column" style="--lanes:{column.lanes}">'
        ]
        append = parts.append
        for cell in column.cells:
            hour = " cal-hour" if cell.minute % 60 == 0 else ""
            if cell.state == FREE and can_book:
                append(
                    f'<a class="cal-cell cal-free{hour}" style="grid-row:{cell.row}"'
                    f' data-drop-time="{cell.label}" href="{create}{cell.label}{self.back}"'
                    f' aria-label="{book_head}{cell.label}{book_tail}"></a>'
                )
            else:
                state = " cal-off" if cell.state not in (FREE, BOOKED) else ""
                append(
                    f'<div class="cal-cell{state}{hour}" style="grid-row:{cell.row}"'
                    f' data-drop-time="{cell.label}"></div>'
                )
        for block in column.blocks:
            append(self.block(block, can_act))
        append("</div>")
        return "".join(parts)

    def block(self, block: Block, can_act: bool) -> str:
        appointment = block.item
        pk = str(appointment.pk)
        when = f'{clock(block.start_minute)}<span class="cal-end">–{clock(block.end_minute)}</span>'
        patient = self._names.get(appointment.patient_id)
        if patient is None:
            patient = self._names[appointment.patient_id] = escape(appointment.patient_name)
        service, colour = self._service(appointment)
        room = f" · {escape(appointment.room_name)}" if appointment.room_id else ""
        status = appointment.status
        classes = "cal-block"
        if self.muted(appointment):
            classes += " cal-muted"
        if status not in MOVABLE:
            classes += self.status_classes.get(status, "")
        lane_end = block.lane + 2 if block.lane < block.lanes - 1 else -1
        cut = ""
        if block.starts_before:
            classes += " cal-cut-top"
            cut += f'<span class="sr-only">{self.starts_earlier}</span>'
        if block.ends_after:
            classes += " cal-cut-bottom"
            cut += f'<span class="sr-only">{self.ends_later}</span>'
        drag = ""
        if can_act and status in MOVABLE:
            drag = (
                f' draggable="true" data-movable data-version="{appointment.version}"'
                f' data-move-url="{pk.join(self.move)}"'
            )
        actions = ""
        steps = self.next_steps.get(status) if can_act else None
        if steps:
            action = pk.join(self.status_url)
            actions = (
                f'<form class="cal-actions" method="post" action="{action}" aria-label="{self.status_label}">'
                f'<input type="hidden" name="csrfmiddlewaretoken" value="{self.csrf}">'
                f'<input type="hidden" name="version" value="{appointment.version}">'
                f'<input type="hidden" name="next" value="{self.here}">{steps}</form>'
            )
        edit = pk.join(self.edit)
        return (
            f'<article class="{classes}" style="grid-row:{block.row_start}/{block.row_end};'
            f'grid-column:{block.lane + 1}/{lane_end};--service:{colour}" data-appointment="{pk}"'
            f' data-status="{escape(status)}"{drag}>'
            f'<div class="cal-block-body"><p class="cal-block-title"><span class="cal-time">{when}</span> '
            f'<a href="{edit}"{NOT_DRAGGED if drag else ""}>{patient}</a></p>'
            f'<p class="cal-block-meta">{service}{room} · {self.status_labels.get(status, "")}</p>{cut}</div>'
            f"{actions}</article>"
        )

    def _service(self, appointment) -> tuple[str, str]:
        found = self._services.get(appointment.service_id)
        if found is None:
            colour = appointment.colour if COLOUR.fullmatch(appointment.colour or "") else "#71717a"
            found = self._services[appointment.service_id] = (escape(appointment.service_name), colour)
        return found

    def headers(self) -> str:
        """The header rows above the columns: each column's practitioner on a day, each column's day in
        one practitioner's week, and days over practitioners in the clinic's week. Days link to that day."""
        columns = self.grid.columns
        if self.layout == "day":
            rows = [[(c.practitioner.name, None, 1, c.works) for c in columns]]
        elif self.layout == "per_day":
            rows = [[(None, c.day, 1, c.works) for c in columns]]
        else:
            width = max(1, len(columns) // max(1, len(self.grid.days)))
            days = [(None, day, width, True) for day in self.grid.days]
            rows = [days, [(c.practitioner.name, None, 1, c.works) for c in columns]]
        parts = []
        for number, row in enumerate(rows, start=1):
            second = " cal-head-2" if number == 2 else ""
            parts.append(f'<div class="cal-corner{second}" style="grid-row:{number}"></div>')
            for index, (label, day, span, works) in enumerate(row):
                classes = f"cal-head{second}{'' if works else ' cal-head-closed'}"
                testid = ' data-testid="calendar-day"' if day or (self.layout == "day" and index == 0) else ""
                if day:
                    href = day.isoformat().join(self.day_link)
                    text = f'<a href="{href}">{escape(date_format(day, "D j M"))}</a>'
                else:
                    text = escape(label)
                parts.append(
                    f'<div class="{classes}" style="grid-row:{number};grid-column:span {span}"{testid}>'
                    f"{text}</div>"
                )
        return "".join(parts)

    def body(self) -> str:
        return self.axis() + "".join(self.column(column) for column in self.grid.columns)
