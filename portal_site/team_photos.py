"""Practitioners' photos on a clinic's portal. Uploaded files are not public (only CMS images are served
from the media volume), so the portal serves the photo of a practitioner it shows on that clinic's team
section, and nothing else: another clinic's, a staff member's or a former member's photo is the same 404
as a photo that does not exist."""

from __future__ import annotations

import mimetypes

from django.http import FileResponse, Http404

from .access import portal_view
from .selectors import public_practitioners

# The address carries a version of the photo (see home.team_photo_url): a new photo has a new address.
MAX_AGE = 60 * 60 * 24 * 7


@portal_view
def team_photo_view(request, member_id: int):
    clinic = request.portal_clinic
    member = next((m for m in public_practitioners(clinic) if m.pk == member_id), None)
    if member is None or not member.photo:
        raise Http404
    try:
        handle = member.photo.open("rb")
    except (FileNotFoundError, OSError):
        raise Http404 from None
    content_type = mimetypes.guess_type(member.photo.name)[0] or "application/octet-stream"
    if not content_type.startswith("image/"):
        handle.close()
        raise Http404
    response = FileResponse(handle, content_type=content_type)
    response["Cache-Control"] = f"public, max-age={MAX_AGE}"
    response["X-Content-Type-Options"] = "nosniff"
    return response
