"""The record of processing activities (GDPR Art. 30): a first draft from the practice and its country's
rules, edited by the owner alone, each save kept as a version, printable, and never overwritten by a save
made from an older version."""

import pytest
from django_scopes import scope, scopes_disabled

from core.compliance.models import ProcessingRecord
from core.tenancy.models import Organization

pytestmark = pytest.mark.django_db

URL = "/office/settings/processing-record/"


def form_data(page_form, **changes):
    data = {name: page_form.initial.get(name, "") for name in ProcessingRecord.CONTENT_FIELDS}
    data["based_on"] = page_form.initial["based_on"]
    data.update(changes)
    return data


def test_the_first_draft_comes_from_the_practice_and_its_country(alpha, login):
    with scopes_disabled():
        Organization.objects.filter(pk=alpha.org.pk).update(country="DE")
    page = login(alpha.owner).get(URL)
    assert page.status_code == 200
    draft = page.context["form"].initial
    assert alpha.org.name in draft["controller"] and alpha.owner.email in draft["controller"]
    assert "§ 630f Abs. 3 BGB" in draft["retention"] and "10 years" in draft["retention"]
    assert "Not saved yet" in page.content.decode()
    with scope(organization=alpha.org.pk):
        assert not ProcessingRecord.objects.filter(organization=alpha.org).exists()


def test_each_save_is_a_version_and_the_history_and_print_show_them(alpha, login):
    client = login(alpha.owner)
    first = client.post(
        URL, form_data(client.get(URL).context["form"], dpo_contact="Dr. Data, dpo@alpha.test")
    )
    assert first.status_code == 302
    second = client.post(URL, form_data(client.get(URL).context["form"], transfers="Backups in Switzerland"))
    assert second.status_code == 302
    with scope(organization=alpha.org.pk):
        saved = list(ProcessingRecord.objects.filter(organization=alpha.org).order_by("number"))
    assert [r.number for r in saved] == [1, 2]
    assert saved[0].transfers.startswith("None") and saved[1].transfers == "Backups in Switzerland"
    assert saved[1].dpo_contact == "Dr. Data, dpo@alpha.test" and saved[1].saved_by == alpha.owner

    page = client.get(URL).content.decode()
    assert "Version 2, saved" in page and "?version=1" in page
    printed = client.get(f"{URL}print/").content.decode()
    assert "Backups in Switzerland" in printed and "@media print" in printed
    old = client.get(f"{URL}print/?version=1").content.decode()
    assert "Backups in Switzerland" not in old and "version 1 of" in old
    for wrong in ("3", "x", "-1", "9999999999"):
        assert client.get(f"{URL}print/?version={wrong}").status_code == 404, wrong


def test_a_save_from_an_older_version_is_refused_and_bad_input_is_explained(alpha, login):
    client = login(alpha.owner)
    stale_form = client.get(URL).context["form"]
    assert client.post(URL, form_data(stale_form, purposes="Care")).status_code == 302
    stale = client.post(URL, form_data(stale_form, purposes="Something else"))
    assert stale.status_code == 409 and "newer version" in stale.content.decode()
    empty = client.post(URL, form_data(client.get(URL).context["form"], purposes=""))
    assert empty.status_code == 400
    with scope(organization=alpha.org.pk):
        assert ProcessingRecord.objects.filter(organization=alpha.org).count() == 1


def test_only_owners_open_it_and_each_organization_sees_its_own(alpha, beta, login):
    for member in (alpha.practitioner, alpha.staff):
        client = login(member)
        assert client.get(URL).status_code == 403
        assert client.get(f"{URL}print/").status_code == 403
    beta_client = login(beta.owner)
    beta_client.post(URL, form_data(beta_client.get(URL).context["form"], purposes="Beta purposes"))
    page = login(alpha.owner).get(f"{URL}print/?version=1")
    assert page.status_code == 404
    assert beta.org.name.encode() not in login(alpha.owner).get(URL).content
