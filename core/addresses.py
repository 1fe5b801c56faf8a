"""Postal addresses written the way each country's post expects them.

Most of Europe writes the postal code before the town ("10115 Berlin"); the United States, Canada and
Australia write it after ("New York 10001"); the United Kingdom and Ireland put it on a line of its own.
The country's name is printed only for a letter that crosses a border.
"""

from __future__ import annotations

from babel import Locale, UnknownLocaleError

# Where the postal code goes, by ISO country code; any other country writes it before the town.
CODE_AFTER_TOWN = frozenset({"US", "CA", "AU", "NZ", "PH", "SG", "ZA", "IN", "BR", "KR", "JP"})
CODE_ON_OWN_LINE = frozenset({"GB", "IE", "IM", "JE", "GG"})


def country_name(code: str, language: str | None = None) -> str:
    """``"US"`` → ``"United States"`` in ``language``; the code itself when Babel does not know it."""
    code = (code or "").upper()
    try:
        locale = Locale.parse((language or "en").replace("-", "_"))
    except (UnknownLocaleError, ValueError):
        locale = Locale("en")
    return locale.territories.get(code, code)


def address_lines(
    line1: str = "",
    line2: str = "",
    postal_code: str = "",
    city: str = "",
    country: str = "",
    *,
    home_country: str = "",
    language: str | None = None,
) -> list[str]:
    """The lines of an address as ``country``'s post writes them; the country's name is added when it
    differs from ``home_country`` (the sender's), or always when no home country is known."""
    country = (country or "").strip().upper()
    postal_code, city = (postal_code or "").strip(), (city or "").strip()
    lines = [part.strip() for part in (line1, line2) if part and part.strip()]
    if country in CODE_ON_OWN_LINE:
        lines += [part for part in (city, postal_code) if part]
    elif country in CODE_AFTER_TOWN:
        town = " ".join(part for part in (city, postal_code) if part)
        if town:
            lines.append(town)
    else:
        town = " ".join(part for part in (postal_code, city) if part)
        if town:
            lines.append(town)
    if country and country != (home_country or "").strip().upper():
        lines.append(country_name(country, language))
    return lines
