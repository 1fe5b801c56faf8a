"""The plugin contract: every hook documented and tested, the example third-party plugin discovered through
its entry point, and a module switched off for a clinic silenced there at every dispatch point."""

import inspect
from pathlib import Path

import ehr_example
import pytest
from django.core.management import call_command
from django.test import Client
from django.urls import reverse
from django_q.models import Schedule
from django_scopes import scope, scopes_disabled

from core.plugins import hookspecs
from core.plugins.discovery import discover
from core.plugins.docs import hook_names, render
from core.plugins.manager import PluginRegistry, hookimpl, registry
from core.tasks import fan_out
from core.tenancy.modules import clinic_hook, enabled_modules
from core.tenancy.services import set_module_enabled

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def _clear_calls():
    ehr_example.CALLS.clear()


def switch(clinic, on: bool):
    with scope(organization=clinic.organization_id):
        set_module_enabled(clinic, "example", on)


# --- guards ------------------------------------------------------------------------------------------------


def test_every_hook_is_documented_with_a_typed_signature():
    for name in hook_names():
        fn = getattr(hookspecs, name)
        assert inspect.cleandoc(fn.__doc__ or "").strip(), f"{name} has no docstring"
        signature = inspect.signature(fn)
        assert signature.return_annotation is not inspect.Signature.empty, f"{name} has no return type"
        for parameter in signature.parameters.values():
            assert parameter.annotation is not inspect.Parameter.empty, f"{name}({parameter.name}) untyped"


def test_every_hook_has_a_test():
    """A ``test_hook_<name>`` for every hook, here or in a module's own tests."""
    sources = [
        p.read_text() for p in [*ROOT.glob("tests/**/test_*.py"), *ROOT.glob("plugins/*/tests/test_*.py")]
    ]
    missing = [name for name in hook_names() if not any(f"def test_hook_{name}" in text for text in sources)]
    assert not missing, f"write test_hook_<name> for: {missing}"


def test_no_misspelled_hook_implementations():
    registry().pm.check_pending()


def test_plugins_guide_is_generated_from_the_hookspecs():
    assert (ROOT / "docs" / "plugins.md").read_text() == render(), "run manage.py plugin_docs"


def test_example_plugin_is_discovered_through_its_entry_point():
    sources = {s.name: s for s in discover()}
    assert sources["example"].app == "ehr_example" and not sources["example"].builtin
    assert "example" in registry().modules


def test_entry_point_loading_can_be_switched_off(monkeypatch):
    monkeypatch.setenv("EHR_DISABLE_ENTRYPOINT_PLUGINS", "1")
    assert "example" not in {s.name for s in discover()}
    assert "example" not in PluginRegistry(discover()).modules


# --- one test per hook ----------------------------------------------------------------------------------


def test_hook_ehr_module():
    info = registry().modules["example"]
    assert info.label == "Example" and info.default_enabled


def test_hook_ehr_permissions(alpha, beta):
    assert alpha.staff.has_perm("ehr_example.view_notes", alpha.clinic)
    assert not alpha.staff.has_perm("ehr_example.view_notes", beta.clinic)


def test_hook_ehr_office_urls(alpha, login):
    client = login(alpha.staff)
    url = reverse("office:example:notes", kwargs={"clinic_slug": alpha.clinic.slug})
    assert client.get(url).content.decode() == f"example notes for {alpha.clinic.name}"
    switch(alpha.clinic, False)
    assert client.get(url).status_code == 404


def test_hook_clinic_nav_items(alpha, login):
    client = login(alpha.owner)
    page = client.get("/office/").content.decode()
    assert "Example notes" in page
    switch(alpha.clinic, False)
    assert "Example notes" not in client.get("/office/").content.decode()
    assert ("nav", alpha.clinic.pk) in ehr_example.CALLS  # called while on
    ehr_example.CALLS.clear()
    client.get("/office/")
    assert not [c for c in ehr_example.CALLS if c[1] == alpha.clinic.pk]


def test_hook_clinic_dashboard_widgets(alpha, login):
    client = login(alpha.owner)
    assert f"Hello from {alpha.clinic.name}" in client.get("/office/").content.decode()
    switch(alpha.clinic, False)
    assert "Hello from" not in client.get("/office/").content.decode()


def test_hook_clinic_patient_chart_tabs(alpha, login):
    client = login(alpha.owner)
    url = f"/office/patients/{alpha.patient.pk}/"
    assert "Example tab" in client.get(url).content.decode()
    switch(alpha.clinic, False)
    assert "Example tab" not in client.get(url).content.decode()


def test_hook_ehr_api_routers(alpha, beta, login):
    client = login(alpha.owner)
    url = f"/api/v1/clinics/{alpha.clinic.pk}/example/ping"
    assert client.get(url).json() == {"clinic": alpha.clinic.name}
    assert client.get(f"/api/v1/clinics/{beta.clinic.pk}/example/ping").status_code == 404
    switch(alpha.clinic, False)
    response = client.get(url)
    assert response.status_code == 404
    assert response.json()["error"]["code"] == "not_found"


def test_hook_ehr_scheduled_tasks(alpha, beta):
    call_command("sync_schedules")
    schedule = Schedule.objects.get(name="ehr:example:nightly")
    assert schedule.func == "core.tasks.fan_out"
    switch(alpha.clinic, False)
    # The worker runs synchronously in tests: fan_out enqueues, and the task runs at once.
    queued = fan_out("ehr_example.tasks.nightly", "example")
    served = {clinic for name, clinic in ehr_example.CALLS if name == "nightly"}
    assert alpha.clinic.pk not in served
    assert {alpha.clinics[1].pk, *[c.pk for c in beta.clinics]} <= served
    assert queued == len(served)


def test_hook_ehr_seed_demo(db):
    call_command("seed_demo")
    seeded = [org for name, org in ehr_example.CALLS if name == "seed"]
    assert len(seeded) == 2


# --- gating mechanics -------------------------------------------------------------------------------------


def test_switching_off_keeps_other_clinics_untouched(alpha):
    switch(alpha.clinic, False)
    with scopes_disabled():
        assert "example" not in enabled_modules(type(alpha.clinic).objects.get(pk=alpha.clinic.pk))
        assert "example" in enabled_modules(type(alpha.clinic).objects.get(pk=alpha.clinics[1].pk))


def test_clinic_hook_skips_modules_that_are_off(alpha, rf):
    switch(alpha.clinic, False)
    request = rf.get("/")
    request.user = alpha.owner
    with scope(organization=alpha.org.pk):
        clinic = type(alpha.clinic).objects.get(pk=alpha.clinic.pk)
        contributed = clinic_hook(clinic, "clinic_nav_items")(request=request, clinic=clinic)
    labels = [item.label for items in contributed for item in items]
    assert "Example notes" not in labels


# --- events and contributions other modules call --------------------------------------------------------


def heard(name, clinic):
    return (name, clinic.pk) in ehr_example.CALLS


def test_hook_clinic_billable_items(alpha):
    with scope(organization=alpha.org.pk):
        clinic = type(alpha.clinic).objects.get(pk=alpha.clinic.pk)
        items = [
            i
            for found in clinic_hook(clinic, "clinic_billable_items")(clinic=clinic, query="ex")
            for i in found
        ]
        assert any(i.reference == "EX-1" and i.currency == clinic.currency for i in items)
        set_module_enabled(clinic, "example", False)
        items = [
            i
            for found in clinic_hook(clinic, "clinic_billable_items")(clinic=clinic, query="ex")
            for i in found
        ]
        assert not any(i.reference == "EX-1" for i in items)


def test_hook_clinic_portal_context(alpha, rf):
    with scope(organization=alpha.org.pk):
        clinic = type(alpha.clinic).objects.get(pk=alpha.clinic.pk)
        contexts = clinic_hook(clinic, "clinic_portal_context")(request=rf.get("/"), clinic=clinic)
        assert {"example_greeting": f"Welcome to {clinic.name}"} in contexts


def test_hook_clinic_portal_calls_to_action(alpha, rf):
    from portal_site.theme import calls_to_action

    base = f"/c/{alpha.clinic.slug}/"
    with scope(organization=alpha.org.pk):
        clinic = type(alpha.clinic).objects.get(pk=alpha.clinic.pk)
        assert calls_to_action(rf.get("/"), clinic, base) == [
            {"label": "Book an appointment", "url": f"{base}booking/"}
        ]
        assert ("portal_call_to_action", clinic.pk) in ehr_example.CALLS
        set_module_enabled(clinic, "scheduling", False)
        clinic = type(alpha.clinic).objects.get(pk=alpha.clinic.pk)
        assert calls_to_action(rf.get("/"), clinic, base) == []


def test_hook_ehr_portal_urls(alpha, beta):
    from tests.factories import link_patient_login, make_patient, make_user

    url = f"/c/{alpha.clinic.slug}/account/example/"
    anonymous = Client()
    assert anonymous.get(url).status_code == 302
    assert "/account/login/" in anonymous.get(url)["Location"]
    with scope(organization=alpha.org.pk):
        patient = make_patient(alpha.clinic, given="Portia")
        user = make_user("portia@patients.test")
        link_patient_login(patient, user)
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    assert response.content.decode() == f"example corner of Portia at {alpha.clinic.name}"
    # Another owner's clinic: the login has no record there.
    assert client.get(f"/c/{beta.clinic.slug}/account/example/").status_code == 404
    switch(alpha.clinic, False)
    assert client.get(url).status_code == 404


def test_hook_clinic_portal_account_links(alpha, rf):
    from core.accounts.models import User
    from portal_site.theme import account_links

    with scope(organization=alpha.org.pk):
        clinic = type(alpha.clinic).objects.get(pk=alpha.clinic.pk)
        request = rf.get("/")
        request.user = User(email="someone@patients.test")
        links = account_links(request, clinic)
        assert {"label": "Example corner", "url": f"/c/{clinic.slug}/account/example/"} in links
        switch(clinic, False)
        assert not any(link["label"] == "Example corner" for link in account_links(request, clinic))


def patient_login(tenant, email):
    from tests.factories import link_patient_login, make_user

    with scope(organization=tenant.org.pk):
        user = make_user(email)
        link_patient_login(tenant.patient, user)
    client = Client()
    client.force_login(user)
    return client


def test_hook_ehr_portal_public_urls(alpha, beta):
    url = f"/c/{alpha.clinic.slug}/example/hello/"
    assert reverse("portal:example:hello", kwargs={"clinic_slug": alpha.clinic.slug}) == url
    response = Client().get(url)  # anonymous visitors are welcome
    assert response.status_code == 200
    assert response.content.decode() == f"example hello from {alpha.clinic.name}"
    assert Client().get(f"/c/{beta.clinic.slug}/example/hello/").content.decode().endswith(beta.clinic.name)
    assert Client().get("/c/no-such-clinic/example/hello/").status_code == 404
    switch(alpha.clinic, False)
    assert Client().get(url).status_code == 404


def test_hook_clinic_portal_booking(alpha):
    from portal_site.provisioning import provision_clinic_site

    provision_clinic_site(alpha.clinic)
    url = f"/c/{alpha.clinic.slug}/booking/"
    response = Client().get(url, {"with": "example"})
    assert response.content.decode() == f"example booking on Book an appointment of {alpha.clinic.name}"
    assert ("portal_booking", alpha.clinic.pk) in ehr_example.CALLS
    # The example answers None otherwise: the next module (scheduling) serves the page.
    response = Client().get(url)
    assert response.status_code == 200 and "example booking" not in response.content.decode()
    assert "<h1>Book an appointment</h1>" in response.content.decode()
    switch(alpha.clinic, False)
    ehr_example.CALLS.clear()
    response = Client().get(url, {"with": "example"})
    assert response.status_code == 200 and "example booking" not in response.content.decode()
    assert ("portal_booking", alpha.clinic.pk) not in ehr_example.CALLS


def test_hook_ehr_portal_account_sections(alpha, beta):
    from tests.factories import link_patient_login, make_patient

    client = patient_login(alpha, "sections@patients.test")
    with scope(organization=beta.org.pk):
        from core.accounts.models import User

        link_patient_login(make_patient(beta.clinic, "Bea"), User.objects.get(email="sections@patients.test"))
    url = f"/c/{alpha.clinic.slug}/account/appointments/"
    page = client.get(url).content.decode()
    both = ", ".join(c.name for c in sorted(alpha.clinics, key=lambda c: c.name))
    assert f"Example notes for Erin at {both}</p>" in page
    assert f"Example notes for Bea at {', '.join(sorted(c.name for c in beta.clinics))}</p>" in page
    # Asked with only the clinics where the example is on, and not at all where it is on at none.
    switch(alpha.clinic, False)
    assert f"Example notes for Erin at {alpha.clinics[1].name}</p>" in client.get(url).content.decode()
    switch(alpha.clinics[1], False)
    ehr_example.CALLS.clear()
    page = client.get(url).content.decode()
    assert "Example notes for Erin" not in page and "Example notes for Bea" in page
    assert ("portal_sections", alpha.org.pk) not in ehr_example.CALLS


def test_hook_ehr_patient_data_export(alpha):
    client = patient_login(alpha, "export@patients.test")
    switch(alpha.clinic, False)
    switch(alpha.clinics[1], False)
    # Switched off everywhere, the module still hands over what it keeps: the data is the patient's.
    [part] = client.get(f"/c/{alpha.clinic.slug}/account/my-data.json").json()["organizations"]
    assert part["example"] == {"initials": "EA"}
    assert part["patient"]["given_name"] == "Erin" and part["organization"] == alpha.org.name


def test_hook_ehr_public_urls(db):
    from ehr_example.views import PUBLIC_SECRET

    assert reverse("public_example:card", kwargs={"token": PUBLIC_SECRET}) == (
        f"/public/example/card/{PUBLIC_SECRET}/"
    )
    assert Client().get(f"/public/example/card/{PUBLIC_SECRET}/").content == b"example public card"
    assert Client().get("/public/example/card/wrong/").status_code == 404


def test_hook_ehr_portal_blocks():
    assert [] in registry().hook.ehr_portal_blocks()
    from portal_site.blocks import contributed_blocks

    # Scheduling's blocks reach every portal page body, each tagged with its module for the on/off gate.
    offered = {(module, name) for module, name, _block in contributed_blocks()}
    assert {("scheduling", "booking_widget"), ("scheduling", "opening_hours")} <= offered
    assert ("scheduling", "price_list") in offered


def test_hook_ehr_metrics():
    metrics = [m for found in registry().hook.ehr_metrics() for m in found]
    example = next(m for m in metrics if m.slug == "example_clinics")
    assert example.compute([1, 2, 3], None, None) == 3


def test_a_failing_listener_never_reaches_the_caller(alpha, caplog, django_capture_on_commit_callbacks):
    from core.plugins import events

    class Broken:
        @hookimpl
        def clinic_lots_expiring(self, clinic, event):
            raise RuntimeError("listener bug")

    broken = Broken()
    registry().pm.register(broken, name="broken")
    try:
        with scope(organization=alpha.org.pk), django_capture_on_commit_callbacks(execute=True):
            events.emit(alpha.clinic, events.LotsExpiring(lots=()))
    finally:
        registry().pm.unregister(broken)
    assert heard("lots_expiring", alpha.clinic)
    assert "listener bug" in caplog.text
