from django.http import HttpResponse


def notes(request, clinic_slug):
    return HttpResponse(f"example notes for {request.clinic.name}")
