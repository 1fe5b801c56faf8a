"""Every operation of the OpenAPI document, generated from /api/v1/openapi.json, against three outsiders:

* anonymous: 401 with the uniform error body;
* a member of another organization (with a session and with an API token): 404 when the path names the
  other organization's objects (all of them, or one at a time next to the caller's own), exactly the answer
  a missing id gets; ids of the other organization in a body or query are answered exactly like missing
  ones and never succeed; an operation naming no object answers without a trace of the other organization;
* a member of the same organization lacking the operation's permission (``x-permission`` in the document,
  checked against the real ``rules``): 403.

A new operation is covered automatically, and the coverage test fails until each object it names is listed
in ``OBJECTS`` and it declares a permission (or is exempted in ``EXEMPT``, the only place for exemptions).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from django.test import Client
from django_scopes import scopes_disabled

from core.accounts.tokens import create_token
from core.tenancy.models import Organization
from core.tenancy.services import invite_member
from tests.conftest import client_for
from tests.factories import make_patient

from .conftest import RECORDS, Api, error_of

PREFIX = "/api/v1"
MISSING_ID = 2_147_483_647
MISSING_SLUG = "no-such-thing"
PATH_PARAM = re.compile(r"{([^}]+)}")
ROLES = ("owner", "practitioner", "staff")

_SCHEDULING_403 = (
    "scheduling declares no x-permission; its 403s are tested in plugins/scheduling/tests/test_api.py"
)
_INVENTORY_403 = (
    "inventory declares no x-permission; its 403s are tested in plugins/inventory/tests/test_office_api.py"
)
_BILLING_DRAFT = (
    "every role may draft (practitioners for their own appointments); a practitioner's refusal on "
    "someone else's invoice is tested in plugins/billing/tests/test_office.py"
)
_CHART_404 = (
    "the records module answers 404, never 403, to a member who may not read the chart (the front desk "
    "learns nothing, as for another organization's record); tested in plugins/records/tests/test_privacy.py "
    "and test_api.py"
)
_SEEN_OR_404 = "everyone who may see the patient may do this; the others get 404 (tests/api/test_patients.py)"

# The one place an operation is let off a check: (check, "METHOD /path") -> why.
EXEMPT: dict[tuple[str, str], str] = {
    ("forbidden", "GET /me"): "any signed-in person reads their own account; there is nothing to refuse",
    ("forbidden", "GET /organization"): "every member reads the organization they act for",
    ("forbidden", "GET /clinics"): "lists only the clinics the caller may see; nothing to refuse",
    ("forbidden", "GET /clinics/{clinic_id}"): (
        "every role works at the first clinic; a clinic one does not work at is 404 (test_clinics.py)"
    ),
    ("forbidden", "GET /clinics/{clinic_id}/modules"): (
        "every role works at the first clinic; a clinic one does not work at is 404 (test_clinics.py)"
    ),
    ("forbidden", "GET /patients"): "every member may list (their clinics') patients",
    ("forbidden", "POST /patients"): (
        "every role may register at a clinic they work at; another clinic is a field error (test_patients.py)"
    ),
    ("forbidden", "GET /patients/{patient_id}"): _SEEN_OR_404,
    ("forbidden", "PATCH /patients/{patient_id}"): _SEEN_OR_404,
    ("forbidden", "POST /patients/{patient_id}/archive"): _SEEN_OR_404,
    ("forbidden", "POST /patients/{patient_id}/unarchive"): _SEEN_OR_404,
    ("forbidden", "POST /patients/{patient_id}/clinics"): _SEEN_OR_404,
    ("forbidden", "GET /tokens"): "every member manages their own tokens",
    ("forbidden", "POST /tokens"): "every member manages their own tokens",
    ("forbidden", "DELETE /tokens/{token_id}"): (
        "every member manages their own tokens; someone else's token is 404 (test_tokens.py)"
    ),
    ("forbidden", "GET /clinics/{clinic_id}/example/ping"): (
        "the test plugin's ping checks nothing beyond the module gate, which the foreign check covers"
    ),
    ("forbidden", "GET /clinics/{clinic_id}/analytics/report"): (
        "every role may open reports at its clinics; which sections each role gets (revenue for owners "
        "only, practitioners their own activity) is tested in plugins/analytics/tests/test_api.py"
    ),
    ("forbidden", "POST /clinics/{clinic_id}/inventory/adjust"): _INVENTORY_403,
    ("forbidden", "POST /clinics/{clinic_id}/inventory/dispense"): _INVENTORY_403,
    ("forbidden", "GET /clinics/{clinic_id}/inventory/items"): _INVENTORY_403,
    ("forbidden", "POST /clinics/{clinic_id}/inventory/items"): _INVENTORY_403,
    ("forbidden", "PUT /clinics/{clinic_id}/inventory/items/{item_id}"): _INVENTORY_403,
    ("forbidden", "GET /clinics/{clinic_id}/inventory/movements"): _INVENTORY_403,
    ("forbidden", "GET /clinics/{clinic_id}/inventory/purchase-orders"): _INVENTORY_403,
    ("forbidden", "POST /clinics/{clinic_id}/inventory/purchase-orders"): _INVENTORY_403,
    ("forbidden", "POST /clinics/{clinic_id}/inventory/purchase-orders/{order_id}/receive"): _INVENTORY_403,
    ("forbidden", "POST /clinics/{clinic_id}/inventory/receive"): _INVENTORY_403,
    ("forbidden", "GET /clinics/{clinic_id}/inventory/stock"): _INVENTORY_403,
    ("forbidden", "GET /clinics/{clinic_id}/inventory/suppliers"): _INVENTORY_403,
    ("forbidden", "POST /clinics/{clinic_id}/inventory/suppliers"): _INVENTORY_403,
    ("forbidden", "PUT /clinics/{clinic_id}/inventory/suppliers/{supplier_id}"): _INVENTORY_403,
    ("forbidden", "POST /clinics/{clinic_id}/inventory/write-off"): _INVENTORY_403,
    ("forbidden", "GET /clinics/{clinic_id}/inventory/stocktakes"): _INVENTORY_403,
    ("forbidden", "POST /clinics/{clinic_id}/inventory/stocktakes"): _INVENTORY_403,
    ("forbidden", "POST /clinics/{clinic_id}/inventory/stocktakes/{stocktake_id}/post"): _INVENTORY_403,
    ("forbidden", "GET /clinics/{clinic_id}/inventory/transfers"): _INVENTORY_403,
    ("forbidden", "POST /clinics/{clinic_id}/inventory/transfers"): _INVENTORY_403,
    ("forbidden", "POST /clinics/{clinic_id}/inventory/transfers/{transfer_id}/receive"): _INVENTORY_403,
    ("forbidden", "GET /clinics/{clinic_id}/billing/invoices"): (
        "every role may list invoices: practitioners see their own appointments', staff their clinics'"
    ),
    ("forbidden", "POST /clinics/{clinic_id}/billing/invoices"): _BILLING_DRAFT,
    ("forbidden", "POST /clinics/{clinic_id}/billing/invoices/{invoice_id}/lines"): _BILLING_DRAFT,
    ("forbidden", "GET /clinics/{clinic_id}/scheduling/services"): _SCHEDULING_403,
    ("forbidden", "POST /clinics/{clinic_id}/scheduling/services"): _SCHEDULING_403,
    ("forbidden", "GET /clinics/{clinic_id}/scheduling/working-hours"): _SCHEDULING_403,
    ("forbidden", "POST /clinics/{clinic_id}/scheduling/working-hours"): _SCHEDULING_403,
    ("forbidden", "GET /clinics/{clinic_id}/scheduling/time-off"): _SCHEDULING_403,
    ("forbidden", "POST /clinics/{clinic_id}/scheduling/time-off"): _SCHEDULING_403,
    ("forbidden", "GET /clinics/{clinic_id}/scheduling/availability"): _SCHEDULING_403,
    ("forbidden", "GET /clinics/{clinic_id}/scheduling/appointments"): _SCHEDULING_403,
    ("forbidden", "POST /clinics/{clinic_id}/scheduling/appointments"): _SCHEDULING_403,
    ("forbidden", "GET /clinics/{clinic_id}/scheduling/appointments/{appointment_id}"): _SCHEDULING_403,
    ("forbidden", "POST /clinics/{clinic_id}/scheduling/appointments/{appointment_id}/reschedule"): (
        _SCHEDULING_403
    ),
    (
        "forbidden",
        "POST /clinics/{clinic_id}/scheduling/appointments/{appointment_id}/cancel",
    ): _SCHEDULING_403,
    (
        "forbidden",
        "POST /clinics/{clinic_id}/scheduling/appointments/{appointment_id}/status",
    ): _SCHEDULING_403,
    ("forbidden", "GET /clinics/{clinic_id}/scheduling/waitlist"): _SCHEDULING_403,
    ("forbidden", "POST /clinics/{clinic_id}/scheduling/waitlist"): _SCHEDULING_403,
    ("forbidden", "POST /clinics/{clinic_id}/scheduling/waitlist/{waitlist_entry_id}/status"): (
        _SCHEDULING_403
    ),
}
for _method, _path in (
    ("GET", "/encounters/{encounter_id}"),
    ("POST", "/encounters/{encounter_id}/notes"),
    ("GET", "/notes/{note_id}"),
    ("PATCH", "/notes/{note_id}"),
    ("DELETE", "/notes/{note_id}"),
    ("POST", "/notes/{note_id}/sign"),
    ("GET", "/notes/{note_id}/addenda"),
    ("POST", "/notes/{note_id}/addenda"),
    ("POST", "/visits/{appointment_id}/start"),
    *(
        (m, f"/patients/{{patient_id}}/{kind}")
        for m in ("GET", "POST")
        for kind in ("encounters", "files", "vitals", "allergies", "medications", "problems")
    ),
    ("GET", "/patients/{patient_id}/notes"),
    *(
        (m, f"/{kind}/{{{one}_id}}")
        for m in ("GET", "PUT")
        for kind, one in (("allergies", "allergy"), ("medications", "medication"), ("problems", "problem"))
    ),
):
    EXEMPT[("forbidden", f"{_method} /clinics/{{clinic_id}}/records{_path}")] = _CHART_404


# --- the objects operations name ---------------------------------------------------------------------------


def _second_patient(objects):
    return make_patient(objects.tenant.clinic, "Sam", "Second")


def _invitation(objects):
    tenant = objects.tenant
    invitation, _token = invite_member(
        tenant.org,
        email=f"invitee-{tenant.org.pk}@example.test",
        role="staff",
        clinics=[tenant.clinic],
        by=tenant.owner,
    )
    return invitation


def _token(objects):
    record, _secret = create_token(objects.tenant.owner, objects.tenant.org, "isolation")
    return record


def _service(objects):
    from plugins.scheduling.services.catalogue import create_service

    tenant = objects.tenant
    return create_service(
        tenant.clinic,
        practitioners=[tenant.memberships["practitioner"]],
        name="Isolation check",
        duration_minutes=30,
    )


def _appointment(objects):
    from plugins.scheduling.services.booking import book_appointment

    tenant = objects.tenant
    return book_appointment(
        clinic=tenant.clinic,
        practitioner=tenant.memberships["practitioner"],
        patient=tenant.patient,
        service=objects.get(_service),
        start=datetime(2031, 3, 3, 15, tzinfo=UTC),
        override=True,
        by=tenant.owner,
    )


def _waitlist_entry(objects):
    from tests.test_isolation_pages import make_waitlist_entry

    return make_waitlist_entry(objects.tenant, objects.get(_appointment))


def _invoice(objects):
    from tests.test_isolation_pages import make_invoice

    return make_invoice(objects.tenant)


def _credit_note(objects):
    """A credit note of an issued, paid invoice (so it has money to refund)."""
    from plugins.billing.services.credit_notes import issue_credit_note
    from plugins.billing.services.issuing import issue
    from plugins.billing.services.payments import record_payment
    from tests.test_isolation_pages import make_invoice

    invoice = issue(make_invoice(objects.tenant))
    record_payment(invoice, amount=invoice.gross_total, method="cash")
    return issue_credit_note(invoice, reason="Isolation check")


def _inventory(objects):
    from tests.test_isolation_pages import make_inventory_objects

    return make_inventory_objects(objects.tenant)


def _inventory_object(model_path: str, key: str):
    def build(objects):
        from django.apps import apps

        app_label, model = model_path.split(".")
        return apps.get_model(app_label, model).objects.get(pk=objects.get(_inventory)[key])

    return build


def _records(objects):
    from tests.test_isolation_pages import make_records_objects

    return make_records_objects(objects.tenant)


def _records_object(model_path: str, key: str):
    def build(objects):
        from django.apps import apps

        app_label, model = model_path.split(".")
        return apps.get_model(app_label, model).objects.get(pk=objects.get(_records)[key])

    return build


def _outbox_message(objects):
    """A failed email of the tenant's first clinic (something the message log may send again)."""
    from plugins.notifications.models import OutboxMessage

    tenant = objects.tenant
    return OutboxMessage.objects.create(
        organization=tenant.org,
        clinic=tenant.clinic,
        patient=tenant.patient,
        recipient=tenant.patient.email,
        channel="email",
        message_type="appointment_booked",
        idempotency_key=f"isolation:{tenant.org.pk}:email",
        subject="Hello",
        body_text="Hello",
        status="failed",
        attempts=5,
    )


def _erasure_request(objects):
    from tests.test_isolation_pages import make_erasure_request

    return make_erasure_request(objects.tenant)


# What fills a parameter or body field of each name: a builder of one tenant's object (or list of objects).
# A path parameter, or an id-like field (``*_id``, ``*_ids``), missing from here fails the coverage test.
OBJECTS = {
    "clinic_id": lambda o: o.tenant.clinic,
    "clinic_ids": lambda o: [o.tenant.clinic],
    "patient_id": lambda o: o.tenant.patient,
    "duplicate_id": _second_patient,
    "member_id": lambda o: o.tenant.memberships["staff"],
    "practitioner_id": lambda o: o.tenant.memberships["practitioner"],
    "practitioner_ids": lambda o: [o.tenant.memberships["practitioner"]],
    "invitation_id": _invitation,
    "token_id": _token,
    "service_id": _service,
    "service": _service,
    "room_id": None,  # optional everywhere: left out
    "appointment_id": _appointment,
    "waitlist_entry_id": _waitlist_entry,
    "invoice_id": _invoice,
    "credit_note_id": _credit_note,
    "tax_rate_id": None,  # optional: left out (a line without tax)
    "item_id": _inventory_object("inventory.Item", "inventory_item"),
    "lot_id": None,  # optional: the earliest-expiring lot is picked
    "supplier_id": _inventory_object("inventory.Supplier", "inventory_supplier"),
    "order_id": _inventory_object("inventory.PurchaseOrder", "inventory_order"),
    "stocktake_id": _inventory_object("inventory.Stocktake", "inventory_stocktake"),
    "transfer_id": _inventory_object("inventory.Transfer", "inventory_transfer"),
    "destination_id": lambda o: o.tenant.clinics[1],
    "message_id": _outbox_message,
    "encounter_id": _records_object("records.Encounter", "records_encounter"),
    "note_id": _records_object("records.Note", "records_note"),
    "template_version_id": _records_object("records.NoteTemplateVersion", "records_template_version"),
    "allergy_id": _records_object("records.Allergy", "records_allergy"),
    "medication_id": _records_object("records.Medication", "records_medication"),
    "problem_id": _records_object("records.Problem", "records_problem"),
    "erasure_request_id": _erasure_request,
}
# Path parameters naming something every organization shares (not an object of one).
SHARED = {"module": RECORDS, "message_type": "appointment_booked", "language": "en"}


class Objects:
    """One tenant's objects, built on first use."""

    def __init__(self, tenant):
        self.tenant = tenant
        self._built = {}

    def get(self, builder):
        if builder not in self._built:
            with scopes_disabled():
                self._built[builder] = builder(self)
        return self._built[builder]

    def value(self, name):
        assert OBJECTS.get(name), f"{name!r} is not in OBJECTS (see test_every_operation_is_covered)"
        built = self.get(OBJECTS[name])
        return [o.pk for o in built] if isinstance(built, list) else built.pk

    def object(self, name):
        return self.get(OBJECTS[name])


# --- reading the document ----------------------------------------------------------------------------------


def load_document() -> dict:
    response = Client().get(f"{PREFIX}/openapi.json")
    assert response.status_code == 200
    return response.json()


def operations(document: dict):
    for path, items in sorted(document["paths"].items()):
        for method, op in sorted(items.items()):
            yield method.upper(), path.removeprefix(PREFIX), op


def resolve(document, schema):
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[-1]]
    return schema


def body_schema(document, op) -> dict | None:
    content = (op.get("requestBody") or {}).get("content", {})
    if "application/json" not in content:
        return None
    return resolve(document, content["application/json"]["schema"])


def object_params(path: str) -> list[str]:
    return [name for name in PATH_PARAM.findall(path) if name not in SHARED]


def id_fields(document, op) -> list[str]:
    """Body properties and query parameters naming objects."""
    names = [p["name"] for p in op.get("parameters", []) if p["in"] == "query"]
    schema = body_schema(document, op)
    if schema:
        names += list(schema.get("properties", {}))
    return [n for n in names if n in OBJECTS or n.endswith(("_id", "_ids"))]


def sample(document, schema, name):
    """A valid value for a field that names no object."""
    schema = resolve(document, schema)
    if "default" in schema and schema["default"] is not None:
        return schema["default"]
    if "anyOf" in schema:
        options = [s for s in schema["anyOf"] if s.get("type") != "null"]
        return sample(document, options[0], name)
    if "enum" in schema:
        return schema["enum"][0]
    if "const" in schema:
        return schema["const"]
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "integer" or kind == "number":
        return max(1, schema.get("minimum", 1))
    if kind == "boolean":
        return True
    if kind == "array":
        # Enough items to pass the schema, so the operation itself decides (and finds nothing).
        return [sample(document, schema.get("items", {}), name) for _ in range(schema.get("minItems", 0))]
    if kind == "object":
        return fill(document, schema, None)
    if name == "email" or fmt == "email":
        return "someone@example.test"
    return {
        "date": "2031-03-03",
        "date-time": "2031-03-03T10:00:00+00:00",
        "time": "10:00:00",
    }.get(fmt, "Sample")


def fill(document, schema, ids) -> dict:
    """Required fields with valid values, and every field naming an object from ``ids`` (name -> value)."""
    values = {}
    for name, prop in schema.get("properties", {}).items():
        if name in OBJECTS and OBJECTS[name] is not None and ids is not None:
            values[name] = ids(name)
        elif name in schema.get("required", []):
            values[name] = sample(document, prop, name)
    return values


class Call:
    """One operation, filled: path objects from one tenant (or a missing id), body/query ids from another."""

    def __init__(self, document, method, path, op):
        self.document, self.method, self.path, self.op = document, method, path, op
        self.schema = body_schema(document, op)

    def url(self, path_ids) -> str:
        return PREFIX + PATH_PARAM.sub(
            lambda m: str(SHARED.get(m.group(1)) or path_ids(m.group(1))), self.path
        )

    def send(self, api: Api, path_ids, field_ids):
        query = {}
        for param in self.op.get("parameters", []):
            if param["in"] != "query":
                continue
            name = param["name"]
            if name in OBJECTS and OBJECTS[name] is not None:
                query[name] = field_ids(name)
            elif param.get("required"):
                query[name] = sample(self.document, param["schema"], name)
        url = self.url(path_ids)
        if self.method == "GET":
            return api.client.get(url, query, **api.extra)
        body = fill(self.document, self.schema, field_ids) if self.schema else None
        if query:
            url += "?" + "&".join(f"{k}={v}" for k, v in query.items())
        return api.call(self.method, url, body)


def missing(name):
    return [MISSING_ID] if name.endswith("_ids") else MISSING_ID


def leaks(response, tenant) -> list[str]:
    text = response.content.decode()
    markers = [tenant.org.slug, f"@{tenant.org.name.lower()}.test", f"{tenant.org.name}patient"]
    markers += [c.slug for c in tenant.clinics]
    return [m for m in markers if m in text]


# --- tests --------------------------------------------------------------------------------------------------


def test_the_document_is_served_with_its_docs(db):
    document = load_document()
    assert document["info"]["title"] == "Clinic EHR API"
    assert Client().get(f"{PREFIX}/docs").status_code == 200


def test_every_operation_is_covered(db):
    """Fails for a new operation until the objects it names are mapped and its permission is declared."""
    document = load_document()
    problems = []
    for method, path, op in operations(document):
        key = f"{method} {path}"
        for name in PATH_PARAM.findall(path):
            if name not in SHARED and OBJECTS.get(name) is None:
                problems.append(f"{key}: path parameter {name!r} is not in OBJECTS")
        for name in id_fields(document, op):
            if name not in OBJECTS:
                problems.append(f"{key}: field {name!r} names an object; add it to OBJECTS")
        if "x-permission" not in op and ("forbidden", key) not in EXEMPT:
            problems.append(f"{key}: declares no x-permission and has no EXEMPT entry")
        for check in ("anonymous", "foreign"):
            assert (check, key) not in EXEMPT, "every operation is checked for anonymous and foreign callers"
    assert not problems, "\n".join(problems)


@pytest.fixture
def world(alpha, beta, fake_modules):
    return {"alpha": Objects(alpha), "beta": Objects(beta)}


@pytest.mark.django_db
def test_anonymous_gets_401_everywhere(world):
    document = load_document()
    alpha = world["alpha"]
    anonymous = Api(Client())
    for method, path, op in operations(document):
        response = Call(document, method, path, op).send(anonymous, alpha.value, alpha.value)
        assert response.status_code == 401, f"{method} {path} answered {response.status_code}"
        assert error_of(response)["code"] == "not_authenticated"


@pytest.mark.django_db
@pytest.mark.parametrize("auth", ["session", "token"])
def test_other_organizations_objects_are_404_everywhere(world, alpha, beta, auth):
    document = load_document()
    theirs, ours = world["alpha"], world["beta"]
    if auth == "session":
        outsider = Api(client_for(beta.owner))
    else:
        with scopes_disabled():
            outsider = Api(token=create_token(beta.owner, beta.org, "outsider")[1])
    checked = 0
    for method, path, op in operations(document):
        call = Call(document, method, path, op)
        where = f"{method} {path}"
        params = object_params(path)
        fields = [n for n in id_fields(document, op) if OBJECTS.get(n)]
        if params:
            # All path objects theirs, then each one alone next to the caller's own: 404, like a missing id.
            absent = call.send(outsider, missing, ours.value)
            assert absent.status_code == 404, f"{where} with missing ids answered {absent.status_code}"
            variants = [theirs.value]
            if len(params) > 1:
                variants += [
                    (lambda name, one=one: (theirs if name == one else ours).value(name)) for one in params
                ]
            for path_ids in variants:
                response = call.send(outsider, path_ids, ours.value)
                assert response.status_code == 404, f"{where} answered {response.status_code}"
                assert response.json() == absent.json(), where
                assert not leaks(response, alpha), where
                checked += 1
        if fields:
            # The caller's own path objects, another organization's ids in the body or query: exactly the
            # answer missing ids get (a read filters to nothing), and a change never goes through.
            absent = call.send(outsider, ours.value, missing)
            response = call.send(outsider, ours.value, theirs.value)
            if method != "GET":
                assert not 200 <= response.status_code < 300, f"{where} accepted another organization's ids"
            assert (response.status_code, response.json()) == (absent.status_code, absent.json()), where
            assert not leaks(response, alpha), where
            checked += 1
        if not params and not fields:
            response = call.send(outsider, ours.value, ours.value)
            assert response.status_code < 500, where
            assert not leaks(response, alpha), f"{where} shows another organization's data"
            checked += 1
    assert checked >= len(document["paths"])
    with scopes_disabled():
        assert Organization.objects.get(pk=alpha.org.pk).name == alpha.org.name


def permission_target(objects, path, schema):
    """What an operation's permission is checked on: its last path object, else the clinic in its body,
    else the organization."""
    params = object_params(path)
    if params:
        return objects.object(params[-1])
    if schema and "clinic_id" in schema.get("properties", {}):
        return objects.object("clinic_id")
    return objects.tenant.org


@pytest.mark.django_db
def test_members_lacking_the_permission_get_403(world, alpha):
    document = load_document()
    ours = world["alpha"]
    sessions = {}
    refused = []
    for method, path, op in operations(document):
        key = f"{method} {path}"
        if ("forbidden", key) in EXEMPT:
            continue
        permission = op["x-permission"]
        call = Call(document, method, path, op)
        target = permission_target(ours, path, call.schema)
        with scopes_disabled():
            lacking = [r for r in ROLES if not getattr(alpha, r).has_perm(permission, target)]
        assert lacking, f"{key}: every role has {permission}; exempt it in EXEMPT with the reason"
        for role in lacking:
            if role not in sessions:
                sessions[role] = Api(client_for(getattr(alpha, role)))
            response = call.send(sessions[role], ours.value, ours.value)
            assert response.status_code == 403, f"{role} {key} answered {response.status_code}"
            assert error_of(response)["code"] == "forbidden"
            refused.append((role, key))
    assert len(refused) >= 20, refused


def test_core_operations_document_the_uniform_errors(db):
    """Module operations document their own responses; every core one lists the uniform error body."""
    from core.plugins.manager import registry

    document = load_document()
    module_prefixes = tuple(f"/clinics/{{clinic_id}}/{slug}/" for slug in registry().modules)
    core = [(m, p, op) for m, p, op in operations(document) if not p.startswith(module_prefixes)]
    assert len(core) >= 30
    for method, path, op in core:
        assert op["operationId"].replace("_", "").isalpha(), (method, path)
        for status in ("401", "403", "404", "422"):
            schema = op["responses"][status]["content"]["application/json"]["schema"]
            assert schema == {"$ref": "#/components/schemas/ErrorOut"}, (method, path, status)
