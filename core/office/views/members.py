"""Owner pages: members and invitations."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.forms import apply_errors
from core.tenancy import services
from core.tenancy.access import check_perm, get_for_member
from core.tenancy.emails import send_invitation_email
from core.tenancy.models import Clinic, Invitation, Membership, Role

from ..decorators import member_required
from ..forms import InviteForm, MemberForm


def _clinics(request):
    return Clinic.objects.filter(organization=request.organization, archived=False)


@member_required
def member_list(request):
    check_perm(request, "tenancy.manage_members", request.organization)
    members = (
        Membership.objects.filter(organization=request.organization)
        .select_related("user")
        .prefetch_related("clinics")
        .order_by("-is_active", "role", "user__email")
    )
    invitations = (
        Invitation.objects.filter(
            organization=request.organization, accepted_at__isnull=True, revoked_at__isnull=True
        )
        .prefetch_related("clinics")
        .order_by("-created_at")
    )
    return render(request, "office/member_list.html", {"members": members, "invitations": invitations})


@member_required
def member_invite(request):
    check_perm(request, "tenancy.manage_members", request.organization)
    # Start from the least powerful role: making someone an owner should be a deliberate choice.
    form = InviteForm(request.POST or None, clinics=_clinics(request), initial={"role": Role.STAFF})
    if request.method == "POST" and form.is_valid():
        try:
            with transaction.atomic():
                invitation, token = services.invite_member(
                    request.organization,
                    email=form.cleaned_data["email"],
                    role=form.cleaned_data["role"],
                    clinics=list(form.cleaned_data["clinics"]),
                    by=request.user,
                )
                send_invitation_email(invitation, token, request.user)
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("Invitation sent to %(email)s.") % {"email": invitation.email})
            return redirect("office:member_list")
    return render(request, "office/member_invite.html", {"form": form}, status=400 if form.errors else 200)


@member_required
def member_edit(request, pk):
    membership = get_for_member(request, Membership.objects.select_related("user"), pk)
    check_perm(request, "tenancy.manage_members", membership)
    form = MemberForm(
        request.POST or None,
        clinics=_clinics(request),
        initial={"role": membership.role, "clinics": list(membership.clinics.all())},
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.change_member(
                membership,
                role=form.cleaned_data["role"],
                clinics=list(form.cleaned_data["clinics"]),
                by=request.user,
            )
        except ValidationError as error:
            apply_errors(form, error)
        else:
            messages.success(request, _("%(name)s updated.") % {"name": membership.name})
            return redirect("office:member_list")
    return render(
        request,
        "office/member_edit.html",
        {"form": form, "member": membership},
        status=400 if form.errors else 200,
    )


@member_required
@require_POST
def member_active(request, pk):
    membership = get_for_member(request, Membership.objects.select_related("user"), pk)
    check_perm(request, "tenancy.manage_members", membership)
    active = request.POST.get("active") == "1"
    try:
        services.set_member_active(membership, active, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        if active:
            messages.success(request, _("%(name)s can sign in again.") % {"name": membership.name})
        else:
            messages.success(request, _("%(name)s is deactivated.") % {"name": membership.name})
    return redirect("office:member_list")


@member_required
@require_POST
def invitation_resend(request, pk):
    invitation = get_for_member(request, Invitation.objects.select_related("organization"), pk)
    check_perm(request, "tenancy.manage_members", invitation)
    try:
        with transaction.atomic():
            token = services.renew_invitation(invitation)
            send_invitation_email(invitation, token, request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Invitation sent again to %(email)s.") % {"email": invitation.email})
    return redirect("office:member_list")


@member_required
@require_POST
def invitation_revoke(request, pk):
    invitation = get_for_member(request, Invitation.objects.all(), pk)
    check_perm(request, "tenancy.manage_members", invitation)
    try:
        services.revoke_invitation(invitation)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Invitation to %(email)s withdrawn.") % {"email": invitation.email})
    return redirect("office:member_list")
