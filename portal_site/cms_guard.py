"""The CMS answers an editor 404 for anything outside their own organization, before any Wagtail view runs.

Many Wagtail admin views load an object by the id in their address and only then ask whether the user may
act on it: a refusal then names the object (its title in a "you cannot ..." list, a redirect with a
message) or fails with a 500, while a missing id is a plain 404. So every CMS address an editor asks for
is resolved here first, and each argument it captures is checked against what the editor may reach
(``portal_site.cms_reach``): a page, image, document, revision, upload or editing session outside it is
the same 404 as one that does not exist.

This fails closed: an area of the CMS that editors have no use for (sites, users, groups, workflows,
reports, settings, collections, redirects...), an argument this guard does not know, or a bulk action on
a kind of object it does not know is refused, so a view a later Wagtail adds is shut until it is
reviewed here. Superusers (the platform's operators) pass untouched.
"""

from __future__ import annotations

from django.http import Http404
from django.urls import Resolver404, resolve

from .cms_reach import all_media_in_reach, as_id, page_in_reach

CMS_PREFIX = "/cms/"

# The first segment after /cms/ of every area a clinic's editor works in.
EDITOR_AREAS = {
    "",
    "account",
    "api",
    "block-preview",
    "bulk",
    "choose-anchor-link",
    "choose-email-link",
    "choose-external-link",
    "choose-page",
    "choose-phone-link",
    "dismissibles",
    "documents",
    "editing-sessions",
    "embeds",
    "forms",
    "images",
    "jsi18n",
    "login",
    "logout",
    "password_reset",
    "pages",
    "sprite",
    "tag-autocomplete",
    "translation",
}

PAGE_ARGUMENTS = {"page_id", "parent_page_id", "page_to_move_id", "destination_id", "page_pk"}
IMAGE_ARGUMENTS = {"image_id"}
DOCUMENT_ARGUMENTS = {"document_id", "doc_id"}
# Words, not ids: model and action names, image filter specs, password-reset tokens. The views look these
# up among the installed models and registered actions, never among an organization's data.
WORD_ARGUMENTS = {
    "action",
    "action_name",
    "app_label",
    "app_name",
    "content_type_app_name",
    "content_type_model_name",
    "filter_spec",
    "model_name",
    "token",
    "uidb64",
}
# Platform-wide workflow tasks (set up by the operators, not by a clinic) previewed on a reachable page.
SHARED_ARGUMENTS = {"task_id"}

# The kinds of object a bulk action may be asked for, by "app_label.model_name".
BULK_KINDS = {"wagtailcore.page": "page", "wagtailimages.image": "image", "wagtaildocs.document": "document"}


class CmsGuardMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        editor = user.is_authenticated and not user.is_superuser
        if editor and request.path_info.startswith(CMS_PREFIX) and not allowed(request):
            raise Http404
        return self.get_response(request)


def allowed(request) -> bool:
    """Whether every object the CMS address names lies within the (non-superuser) editor's reach."""
    area = request.path_info[len(CMS_PREFIX) :].split("/", 1)[0]
    if area not in EDITOR_AREAS:
        return False
    try:
        match = resolve(request.path_info, getattr(request, "urlconf", None))
    except Resolver404:
        return True  # Wagtail answers its own 404
    arguments = {**match.kwargs, **{f"_{index}": value for index, value in enumerate(match.args)}}
    user = request.user
    if area == "bulk":
        return _bulk_allowed(request, arguments)
    if area == "editing-sessions":
        return _editing_session_allowed(user, arguments)
    if area in ("images", "documents") and match.url_name == "chosen_multiple":
        return all_media_in_reach(area[:-1], user, request.GET.getlist("id"))
    page_id = next((arguments[name] for name in PAGE_ARGUMENTS if name in arguments), None)
    return all(_argument_allowed(user, area, name, value, page_id) for name, value in arguments.items())


def _argument_allowed(user, area: str, name: str, value, page_id) -> bool:
    if name in WORD_ARGUMENTS:
        return True
    if name in PAGE_ARGUMENTS or (name == "pk" and area == "pages"):
        return as_id(value) is not None and page_in_reach(user, as_id(value))
    if name in IMAGE_ARGUMENTS or (name == "pk" and area == "images"):
        return all_media_in_reach("image", user, [value])
    if name in DOCUMENT_ARGUMENTS or (name == "pk" and area == "documents"):
        return all_media_in_reach("document", user, [value])
    if name == "pk" and area == "api":
        return True  # the admin API's endpoints list and show only reachable objects (wagtail_hooks)
    if name in SHARED_ARGUMENTS:
        return page_id is not None
    if name in ("revision_id", "revision_id_a", "revision_id_b"):
        return _revision_of_page(value, page_id)
    if name == "workflow_state_id":
        return _workflow_state_of_page(value, page_id)
    if name == "task_state_id":
        return _task_state_of_page(value, page_id)
    if name == "uploaded_file_id":
        return _own_upload(user, value)
    return False


def _revision_of_page(value, page_id) -> bool:
    from wagtail.models import Page, Revision

    if value in ("live", "earliest", "latest"):
        return True
    pk, page_pk = as_id(value), as_id(page_id)
    if pk is None or page_pk is None:
        return False
    return Revision.page_revisions.filter(pk=pk, object_id=str(page_pk)).exists() or (
        # A revision of a page that does not exist: the page argument is refused already.
        not Page.objects.filter(pk=page_pk).exists()
    )


def _workflow_state_of_page(value, page_id) -> bool:
    from wagtail.models import WorkflowState

    pk = as_id(value)
    return pk is not None and WorkflowState.objects.filter(pk=pk, object_id=str(page_id)).exists()


def _task_state_of_page(value, page_id) -> bool:
    from wagtail.models import TaskState

    pk = as_id(value)
    return pk is not None and TaskState.objects.filter(pk=pk, workflow_state__object_id=str(page_id)).exists()


def _own_upload(user, value) -> bool:
    from wagtail.models import UploadedFile

    pk = as_id(value)
    return pk is not None and UploadedFile.objects.filter(pk=pk, uploaded_by_user=user).exists()


def _bulk_allowed(request, arguments) -> bool:
    """A bulk action names its objects in ``?id=`` (or ``id=all`` with ``childOf``, the listed page's
    children): each must be within reach."""
    kind = BULK_KINDS.get(f"{arguments.get('app_label')}.{arguments.get('model_name')}")
    if kind is None:
        return False
    ids = request.GET.getlist("id")
    if "all" in ids:
        if kind != "page":
            return True  # "every listed one": the actions act only on reachable media (wagtail_hooks)
        parent = as_id(request.GET.get("childOf", ""))
        return parent is not None and page_in_reach(request.user, parent, root_allowed=False)
    if kind == "page":
        return bool(ids) and all(
            as_id(pk) is not None and page_in_reach(request.user, as_id(pk), root_allowed=False) for pk in ids
        )
    return all_media_in_reach(kind, request.user, ids)


def _editing_session_allowed(user, arguments) -> bool:
    """The page editor's "who else is editing" pings name the edited object and the user's own session."""
    from wagtail.admin.models import EditingSession

    session = as_id(arguments.get("session_id", ""))
    if session is None or not EditingSession.objects.filter(pk=session, user=user).exists():
        return False
    if "object_id" not in arguments:
        return True
    from django.apps import apps
    from wagtail.models import Page

    try:
        model = apps.get_model(arguments["app_label"], arguments["model_name"])
    except LookupError:
        return False
    object_id = arguments["object_id"]
    if issubclass(model, Page):  # a page is named by its own type too ("portal_site.contactpage")
        return as_id(object_id) is not None and page_in_reach(user, as_id(object_id))
    kind = BULK_KINDS.get(model._meta.label_lower)
    return kind in ("image", "document") and all_media_in_reach(kind, user, [object_id])
