"""The plugin contract: every hook documented and tested, the example third-party plugin discovered through
its entry point, and a module switched off for a clinic silenced there at every dispatch point."""

import inspect
from pathlib import Path

import ehr_example
import pytest
from django.core.management import call_command
from django.urls import reverse
from django_q.models import Schedule
from django_scopes import scope, scopes_disabled

from core.plugins import hookspecs
from core.plugins.discovery import discover
from core.plugins.docs import hook_names, render
from core.plugins.gating import clinic_hook, enabled_modules
from core.plugins.manager import PluginRegistry, registry
from core.tasks import fan_out
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
    tests = {name for name in globals() if name.startswith("test_hook_")}
    missing = [name for name in hook_names() if f"test_hook_{name}" not in tests]
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
