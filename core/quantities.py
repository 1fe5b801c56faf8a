"""Quantities as people write them: ``6`` and ``1.5``, not the ``6.000`` a three-decimal column stores."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation


def plain_quantity(value) -> str:
    """``Decimal("6.000")`` → ``"6"``, ``Decimal("1.500")`` → ``"1.5"``, ``Decimal("100")`` → ``"100"``
    (never ``1E+2``); anything that is not a number is returned as text."""
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    text = f"{number.normalize():f}"
    return "0" if text in ("-0", "") else text
