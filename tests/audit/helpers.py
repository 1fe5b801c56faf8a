"""Reading the access log and the chain in tests."""

from django.db import connection
from django_scopes import scopes_disabled

from core.audit.models import AccessEvent, AuditEntry


def chain_now() -> None:
    """Run the chain's commit-time triggers now (a test's transaction never commits)."""
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def accesses(**filters) -> list[tuple]:
    """(patient id, category, action, channel) of the access events matching ``filters``."""
    with scopes_disabled():
        rows = AccessEvent.objects.filter(**filters)
        rows = rows.values_list("patient_id", "category", "action", "channel")
        return sorted(rows, key=lambda row: (row[0] or 0, *row[1:]))


def entries(organization) -> list[AuditEntry]:
    chain_now()
    with scopes_disabled():
        return list(AuditEntry.objects.filter(organization=organization).order_by("seq"))


def tamper(sql: str, params=None) -> None:
    """Change the database as its administrator could, with every trigger switched off."""
    with connection.cursor() as cursor:
        cursor.execute("SET session_replication_role = replica")
        try:
            cursor.execute(sql, params or [])
        finally:
            cursor.execute("SET session_replication_role = DEFAULT")


def rechain(organization) -> None:
    """Recompute every link's hash from the first on, as an administrator rewriting the whole chain could
    (after the latest archive; a test that back-dates entries keeps the chain consistent this way)."""
    from core.audit.link_hash import expected_hash
    from core.audit.verification import chain_start, links_from

    first, prev_hash = chain_start(organization.pk)
    with scopes_disabled():
        links = list(links_from(organization.pk, first))
    for link in links:
        link = {**link, "prev_hash": prev_hash}
        prev_hash = expected_hash(organization.pk, link)
        tamper(
            "UPDATE audit_auditentry SET prev_hash = %s, hash = %s WHERE organization_id = %s AND seq = %s",
            [link["prev_hash"], prev_hash, organization.pk, link["seq"]],
        )
