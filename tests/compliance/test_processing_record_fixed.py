"""The database keeps each saved version of the record of processing as it was saved: whatever road a
change takes (the ORM's ``.update()`` and ``.delete()``, a model's ``save()``, raw SQL), PostgreSQL
refuses it, while saving a new version through the page still works."""

import pytest
from django.db import IntegrityError, connection, transaction
from django_scopes import scope, scopes_disabled

from core.compliance.models import ProcessingRecord
from core.tenancy.models import Membership, Role
from tests.factories import add_member, make_user

pytestmark = pytest.mark.django_db

URL = "/office/settings/processing-record/"


def save_through_the_page(client, **changes):
    form = client.get(URL).context["form"]
    data = {name: form.initial.get(name, "") for name in ProcessingRecord.CONTENT_FIELDS}
    data.update(based_on=form.initial["based_on"], **changes)
    response = client.post(URL, data)
    assert response.status_code == 302, response.content[:500]


def refused(change) -> str:
    """Run ``change`` in its own savepoint; the database's refusal, which must come."""
    with pytest.raises(IntegrityError) as refusal, transaction.atomic():
        change()
    return str(refusal.value)


def raw(sql: str, *params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def test_no_road_changes_or_deletes_a_saved_version(alpha, login):
    client = login(alpha.owner)
    save_through_the_page(client, purposes="Care of patients")
    with scope(organization=alpha.org.pk):
        versions = ProcessingRecord.objects.filter(organization=alpha.org)
        first = versions.get()
        message = refused(lambda: versions.update(purposes="Something else"))
        assert "version 1 of the record of processing cannot be changed or deleted (UPDATE)" in message
        assert "(DELETE)" in refused(lambda: versions.delete())

        def save_edited():
            first.retention = "Forever"
            first.save()

        refused(save_edited)
        refused(lambda: first.delete())
        refused(lambda: versions.update(number=7))
        refused(lambda: versions.update(saved_by=None, purposes="Quietly"))
    table = ProcessingRecord._meta.db_table
    refused(lambda: raw(f"UPDATE {table} SET security_measures = 'none' WHERE id = %s", first.pk))  # noqa: S608
    refused(lambda: raw(f"DELETE FROM {table} WHERE id = %s", first.pk))  # noqa: S608

    # A new version is still a new row, saved through the page.
    save_through_the_page(client, purposes="Care and research")
    with scope(organization=alpha.org.pk):
        saved = list(ProcessingRecord.objects.filter(organization=alpha.org).order_by("number"))
    assert [(r.number, r.purposes) for r in saved] == [(1, "Care of patients"), (2, "Care and research")]


def test_deleting_the_member_who_saved_a_version_empties_saved_by_only(alpha, login):
    """The one change let through: the foreign key's SET NULL when a member's account is deleted."""
    with scopes_disabled():
        co_owner = make_user("co-owner@example.test")
        add_member(alpha.org, co_owner, Role.OWNER, alpha.clinics)
    save_through_the_page(login(co_owner), dpo_contact="Dr. Data")
    with scopes_disabled():
        # A member's account goes once their memberships have gone (Membership protects its user).
        Membership.objects.filter(user=co_owner).delete()
        co_owner.delete()
        kept = ProcessingRecord.objects.get(organization=alpha.org)
    assert kept.saved_by is None and kept.dpo_contact == "Dr. Data" and kept.number == 1
