"""``{% clinic_time value clinic "j M Y H:i" %}``: a moment as read on the wall clock of one clinic.

For rows of several clinics on one page; elsewhere the request already reads in its clinic's zone and
``|date`` / ``|time`` are enough (see core.tenancy.clinic_time).
"""

from django import template

from core.tenancy import clinic_time as clinic_time_module

register = template.Library()


@register.simple_tag
def clinic_time(value, place, fmt="DATETIME_FORMAT"):
    return clinic_time_module.clinic_time(value, place, fmt)
