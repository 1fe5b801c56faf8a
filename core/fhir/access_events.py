"""The one place a FHIR read declares what it showed, for the access log (channel FHIR).

Every successful read, search and operation of the FHIR API calls ``declare_read`` once per request with
the resources it returned. Recording is core/audit's job: when its access-event service exists, this
function hands it the caller (organization, user or app, patient context), the resource types and ids,
and the patients they belong to. Until then it records nothing; no audit rows are written here.
"""

from __future__ import annotations


def declare_read(ctx, resources: list[dict]) -> None:
    """Declare that ``resources`` were shown to the caller of ``ctx`` (once per request)."""
    return None
