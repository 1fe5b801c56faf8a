"""Keep CMS editors' images and documents inside their own organizations' collections.

Wagtail's listings and upload forms follow the editor groups' collection permissions (one collection per
organization, granted at provisioning), but some of its views load an image or document by id before any
collection check (the chooser's "chosen" responses, usage pages, the admin API). Every such request for
media outside the collections the user's groups are granted is answered 404, the same answer as for media
that does not exist, and the admin API lists only reachable media.
"""

from __future__ import annotations

import re

from django.db.models import Q

# /cms/images/<id>/…, /cms/images/usage/<id>/, /cms/images/chooser/chosen/<id>/,
# /cms/documents/edit/<id>/, /cms/api/main/documents/<id>/ … (not the uploaded-file ids of the
# multiple-upload steps, which Wagtail ties to the uploading user).
MEDIA_URL = re.compile(
    r"^/cms/(?:api/main/)?(?P<kind>images|documents)/"
    r"(?:(?:edit|delete|usage|multiple|chooser|chosen)/)*(?P<pk>\d+)/"
)
CHOSEN_MULTIPLE = re.compile(r"^/cms/(?P<kind>images|documents)/chooser/chosen-multiple/")


def reachable_collections(user):
    """Collections (with their descendants) in which the user's groups hold any permission."""
    from wagtail.models import Collection, GroupCollectionPermission

    roots = list(
        GroupCollectionPermission.objects.filter(group__user=user)
        .values_list("collection__path", flat=True)
        .distinct()
    )
    if not roots:
        return Collection.objects.none()
    condition = Q()
    for path in roots:
        condition |= Q(path__startswith=path)
    return Collection.objects.filter(condition)


def _model(kind: str):
    if kind == "images":
        from wagtail.images import get_image_model

        return get_image_model()
    from wagtail.documents import get_document_model

    return get_document_model()


def reachable_media(kind: str, user, ids) -> bool:
    """True when every media object of ``ids`` exists and sits in a collection the user may reach."""
    wanted = {int(pk) for pk in ids if str(pk).isdigit() and len(str(pk)) < 19}
    if not wanted:
        return False
    found = _model(kind).objects.filter(pk__in=wanted, collection__in=reachable_collections(user)).count()
    return found == len(wanted)


def refused(request) -> bool:
    """Whether a CMS request names media the signed-in (non-superuser) editor may not reach."""
    user = request.user
    if not user.is_authenticated or user.is_superuser:
        return False
    path = request.path_info
    match = MEDIA_URL.match(path)
    if match:
        return not reachable_media(match["kind"], user, [match["pk"]])
    match = CHOSEN_MULTIPLE.match(path)
    if match:
        return not reachable_media(match["kind"], user, request.GET.getlist("id"))
    return False


def narrowed_api_endpoint(endpoint):
    """The admin API endpoint ``endpoint`` listing and showing only media in reachable collections."""

    class Narrowed(endpoint):
        def get_queryset(self):
            queryset = super().get_queryset()
            if self.request.user.is_superuser:
                return queryset
            return queryset.filter(collection__in=reachable_collections(self.request.user))

    Narrowed.__name__ = f"Narrowed{endpoint.__name__}"
    return Narrowed
