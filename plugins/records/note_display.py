"""A note laid out by its own template version for reading, editing and sharing: sections, fields with
their labels (translated for shipped templates) and values."""

from __future__ import annotations

from django.utils.translation import gettext as _

from .models import Note


def label(note: Note, text: str) -> str:
    return _(text) if note.template_version.template.shipped_key else text


def sections(note: Note, content: dict | None = None, *, for_patient: bool = False) -> list[dict]:
    """[{"label", "fields": [{"key", "label", "type", "value", "options", ...}]}] from the note's own
    version. ``for_patient`` leaves out fields marked clinician-only."""
    content = note.content if content is None else content
    laid_out = []
    for section in note.template_version.schema["sections"]:
        fields = []
        for field in section["fields"]:
            if for_patient and field.get("clinician_only"):
                continue
            options = [(str(o), label(note, str(o))) for o in field.get("options", [])]
            value = content.get(field["key"])
            shown = value
            if field["type"] == "choice" and value is not None:
                shown = dict(options).get(str(value), value)
            if field["type"] == "checklist" and value:
                shown = ", ".join(dict(options).get(str(v), v) for v in value)
            fields.append(
                {
                    **field,
                    "label": label(note, field["label"]),
                    "value": value,
                    "shown": shown,
                    "options": options,
                    "chosen": value if isinstance(value, list) else [value],
                }
            )
        if fields:
            laid_out.append({"label": label(note, section["label"]), "fields": fields})
    return laid_out


def as_text(note: Note) -> str:
    lines = []
    for section in sections(note):
        lines.append(f"## {section['label']}")
        for field in section["fields"]:
            if field["shown"] not in (None, "", []):
                lines.append(f"{field['label']}: {field['shown']}")
    return "\n".join(lines)


def addendum_diff(note: Note, addendum_text: str) -> list[tuple[str, str]]:
    """The note as amended by an addendum, line by line: [("same"|"removed"|"added", line)].

    An addendum line "Label: new value" naming a field of the note amends that field: the original line is
    shown removed and the new one added in its place. Other addendum lines are additions, shown after the
    original. The original itself is never changed; this is how the reader sees what the addendum says
    differently."""
    amended: dict[str, str] = {}
    extra: list[str] = []
    for line in addendum_text.splitlines():
        label_part, sep, _value = line.partition(":")
        if sep and label_part.strip():
            amended[label_part.strip().casefold()] = line.strip()
        elif line.strip():
            extra.append(line.strip())
    rows: list[tuple[str, str]] = []
    used: set[str] = set()
    for line in as_text(note).splitlines():
        label_part, sep, _value = line.partition(":")
        key = label_part.strip().casefold()
        if sep and key in amended and amended[key] != line:
            rows += [("removed", line), ("added", amended[key])]
            used.add(key)
        else:
            rows.append(("same", line))
            if sep and key in amended:
                used.add(key)
    rows += [("added", amended[k]) for k in amended if k not in used]
    rows += [("added", line) for line in extra]
    return rows


def raw_from_post(note: Note, post) -> dict:
    """The content a note editor form posted, keyed by field (checklists give several values)."""
    raw = {}
    for section in note.template_version.schema["sections"]:
        for field in section["fields"]:
            name = f"f_{field['key']}"
            if field["type"] == "checklist":
                raw[field["key"]] = post.getlist(name)
            elif name in post:
                raw[field["key"]] = post.get(name)
    return raw
