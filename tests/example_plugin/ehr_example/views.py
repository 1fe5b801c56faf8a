from django.http import Http404, HttpResponse

# The one secret the example's public link accepts (a real module stores a hash per link).
PUBLIC_SECRET = "example-secret"


def notes(request, clinic_slug):
    return HttpResponse(f"example notes for {request.clinic.name}")


def portal_corner(request):
    """A patient-account page: reaches the patient's own record only through core.patients.accounts."""
    from core.patients.accounts import patient_in

    patient = patient_in(request.user, request.portal_clinic.organization_id)
    if patient is None:
        raise Http404
    return HttpResponse(f"example corner of {patient.given_name} at {request.portal_clinic.name}")


def portal_hello(request):
    """A public portal page: anyone may see it, at clinics where the example is on."""
    return HttpResponse(f"example hello from {request.portal_clinic.name}")


def public_card(request, token):
    """A public link that carries its own secret: unknown secrets answer 404."""
    if token != PUBLIC_SECRET:
        raise Http404
    return HttpResponse("example public card")
