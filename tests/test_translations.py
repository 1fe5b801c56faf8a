"""Every catalogue of a shipped language is complete: no untranslated or fuzzy entry, the same placeholders as
the English text, and it compiles under ``msgfmt --check`` (which also checks the plural forms).

A new user-facing string therefore fails here until scripts/update_catalogues.sh has extracted it and it has
been translated into every language of settings.LANGUAGES.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from babel.messages.pofile import read_po
from django.conf import settings

ROOT = Path(settings.BASE_DIR)
SHIPPED = [code for code, _name in settings.LANGUAGES if code != settings.LANGUAGE_CODE]
# One catalogue per app with a locale directory (core, each plugin, portal_site) plus the project's own.
APP_LOCALE_DIRS = sorted(
    path
    for path in [
        ROOT / "locale",
        *ROOT.glob("core/locale"),
        *ROOT.glob("plugins/*/locale"),
        *ROOT.glob("portal_site/locale"),
    ]
    if path.is_dir()
)
CATALOGUES = [
    locale_dir / language / "LC_MESSAGES" / "django.po"
    for locale_dir in APP_LOCALE_DIRS
    for language in SHIPPED
]
PLACEHOLDER = re.compile(r"%\(\w+\)[sdfi]|%[sdfi]|\{\w*\}")
# Arabic says zero, one and two in words ("لا توجد فواتير", "سنة واحدة", "سنتان"): those forms may leave the
# number out, but never bring a placeholder of their own.
FORMS_THAT_MAY_SPELL_THE_NUMBER = {"ar": {0, 1, 2}}


def _placeholders(text):
    return sorted(PLACEHOLDER.findall(text or ""))


def _id(path):
    return str(path.relative_to(ROOT))


def test_every_app_with_a_locale_directory_is_checked():
    assert {path.parent.name for path in APP_LOCALE_DIRS} >= {
        "core",
        "portal_site",
        "scheduling",
        "billing",
        "records",
    }
    assert SHIPPED == ["fr", "de", "es", "ar"]


def catalogue_problems(path, language):
    with Path(path).open("rb") as handle:
        catalogue = read_po(handle)
    problems = []
    for message in catalogue:
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        if message.fuzzy:
            problems.append(f"fuzzy: {ids[0]!r}")
        elif not all(strings):
            problems.append(f"untranslated: {ids[0]!r}")
            continue
        expected = _placeholders(ids[-1])
        for index, string in enumerate(strings):
            found = _placeholders(string)
            if found == expected or (len(ids) > 1 and found == _placeholders(ids[0])):
                continue
            if index in FORMS_THAT_MAY_SPELL_THE_NUMBER.get(language, set()) and set(found) <= set(expected):
                continue
            problems.append(f"placeholders {found} instead of {expected}: {ids[0]!r}")
    return problems


@pytest.mark.parametrize("path", CATALOGUES, ids=_id)
def test_catalogue_is_complete_and_keeps_placeholders(path):
    assert path.exists(), f"{_id(path)} is missing: run scripts/update_catalogues.sh"
    problems = catalogue_problems(path, path.parent.parent.name)
    assert not problems, f"{_id(path)}:\n" + "\n".join(problems[:40])


def test_the_check_catches_untranslated_fuzzy_and_changed_placeholders(tmp_path):
    broken = tmp_path / "django.po"
    broken.write_text(
        'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset=UTF-8\\n"\n\n'
        'msgid "Invoice %(number)s"\nmsgstr "Facture %(numero)s"\n\n'
        'msgid "Patients"\nmsgstr ""\n\n'
        '#, fuzzy\nmsgid "Clinic"\nmsgstr "Centre"\n',
        encoding="utf-8",
    )
    problems = catalogue_problems(broken, "fr")
    assert problems == [
        "placeholders ['%(numero)s'] instead of ['%(number)s']: 'Invoice %(number)s'",
        "untranslated: 'Patients'",
        "fuzzy: 'Clinic'",
    ]


@pytest.mark.skipif(shutil.which("msgfmt") is None, reason="gettext's msgfmt is not installed")
@pytest.mark.parametrize("path", CATALOGUES, ids=_id)
def test_catalogue_compiles_under_msgfmt_check(path):
    result = subprocess.run(
        ["msgfmt", "--check", "--output-file=/dev/null", str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert "warning" not in result.stderr, result.stderr
