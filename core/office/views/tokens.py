"""Personal API tokens: each member manages their own."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.accounts.models import ApiToken
from core.accounts.second_factor import token_creation_refusal
from core.accounts.tokens import create_token, revoke_token
from core.tenancy.access import check_perm, get_for_member

from ..decorators import member_required
from ..forms import ApiTokenForm


@member_required
def api_tokens(request):
    check_perm(request, "accounts.manage_own_api_tokens", request.organization)
    form = ApiTokenForm(request.POST or None)
    new_token = None
    refusal = token_creation_refusal(request, request.organization)
    if request.method == "POST" and form.is_valid():
        if refusal:
            form.add_error(None, refusal)
        else:
            _record, new_token = create_token(request.user, request.organization, form.cleaned_data["name"])
            messages.success(request, _("Token created. Copy it now: it will not be shown again."))
            form = ApiTokenForm()
    tokens = ApiToken.objects.filter(organization=request.organization, user=request.user).order_by(
        "-created_at"
    )
    return render(
        request,
        "office/api_tokens.html",
        {"form": form, "tokens": tokens, "new_token": new_token, "needs_recent_code": bool(refusal)},
        status=400 if form.errors else 200,
    )


@member_required
@require_POST
def api_token_revoke(request, pk):
    record = get_for_member(request, ApiToken.objects.filter(user=request.user), pk)
    revoke_token(record)
    messages.success(request, _("Token “%(name)s” revoked.") % {"name": record.name})
    return redirect("office:api_tokens")
