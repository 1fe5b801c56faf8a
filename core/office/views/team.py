"""Team pages: who works where, and each member's profile (shown on portal sites for practitioners)."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from core.forms import apply_errors
from core.tenancy import services
from core.tenancy.access import check_perm, get_for_member
from core.tenancy.models import Membership

from ..decorators import member_required
from ..forms import ProfileForm


@member_required
def team(request):
    check_perm(request, "tenancy.view_team", request.organization)
    members = (
        Membership.objects.filter(organization=request.organization, is_active=True)
        .select_related("user")
        .prefetch_related("clinics")
        .order_by("role", "display_name", "user__email")
    )
    return render(request, "office/team.html", {"members": members})


@member_required
def profile_edit(request, pk):
    membership = get_for_member(
        request, Membership.objects.select_related("user"), pk, "tenancy.change_profile"
    )
    form = ProfileForm(request.POST or None, request.FILES or None, instance=membership)
    if request.method == "POST" and form.is_valid():
        try:
            services.update_profile(
                membership, **{name: form.cleaned_data[name] for name in services.PROFILE_FIELDS}
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Profile saved."))
            return redirect("office:team")
    return render(
        request,
        "office/profile_edit.html",
        {"form": form, "member": membership},
        status=400 if form.errors else 200,
    )
