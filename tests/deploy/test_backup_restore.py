"""A restore drill: back up a seeded database and its media, wipe both, restore, find every record again."""

from __future__ import annotations

import json
import shutil

import pytest
from django.core.management import CommandError, call_command

from tests.deploy.support import manage, product_env

# pytest-django creates (and migrates) the test database that the seeded database is cloned from.
pytestmark = pytest.mark.django_db

# Every demo record, identified by what a person would recognise (not by database ids).
RECORDS = {
    "users": "SELECT email FROM accounts_user ORDER BY 1",
    "organizations": "SELECT slug FROM tenancy_organization ORDER BY 1",
    "clinics": "SELECT slug FROM tenancy_clinic ORDER BY 1",
    "memberships": """SELECT o.slug, u.email, m.role FROM tenancy_membership m
        JOIN tenancy_organization o ON o.id = m.organization_id JOIN accounts_user u ON u.id = m.user_id
        ORDER BY 1, 2""",
    "patients": """SELECT o.slug, p.record_number, p.given_name, p.family_name, p.date_of_birth
        FROM patients_patient p JOIN tenancy_organization o ON o.id = p.organization_id ORDER BY 1, 2""",
    "patient_clinics": """SELECT c.slug, p.record_number FROM patients_patientclinic pc
        JOIN tenancy_clinic c ON c.id = pc.clinic_id JOIN patients_patient p ON p.id = pc.patient_id
        ORDER BY 1, 2""",
    "clinic_domains": "SELECT hostname, verified_at IS NOT NULL FROM domains_clinicdomain ORDER BY 1",
}
COUNTED = {
    "users": "accounts_user",
    "organizations": "tenancy_organization",
    "clinics": "tenancy_clinic",
    "patients": "patients_patient",
}


def snapshot(postgres, dbname: str) -> dict:
    data = {name: postgres.query(dbname, sql) for name, sql in RECORDS.items()}
    data["counts"] = {
        name: postgres.query(dbname, f"SELECT count(*) FROM {table}")[0][0]  # noqa: S608
        for name, table in COUNTED.items()
    }
    return data


def test_backup_then_restore_after_wiping_everything(postgres, seeded_database, tmp_path):
    var_dir = tmp_path / "var"
    media = var_dir / "media"
    (media / "org-logos").mkdir(parents=True)
    logo = media / "org-logos" / "alpha.png"
    logo.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    backups = tmp_path / "backups"
    env = product_env(postgres.url(seeded_database), var_dir, EHR_BACKUP_DIR=str(backups))

    before = snapshot(postgres, seeded_database)
    # seed_demo's own records (plugins may add more).
    minimum = {"users": 7, "organizations": 2, "clinics": 3, "patients": 10}
    assert all(before["counts"][name] >= n for name, n in minimum.items()), before["counts"]

    manage(env, "backup")
    [backup] = [p for p in backups.iterdir() if p.is_dir()]
    assert not backup.name.endswith(".partial")
    manifest = json.loads((backup / "manifest.json").read_text())
    assert manifest["database"]["file"] == "database.dump" and manifest["database"]["bytes"] > 10_000
    assert manifest["database"]["name"] == seeded_database
    assert manifest["database"]["pg_dump_major_version"] >= manifest["database"]["server_major_version"]
    assert manifest["database"]["migrations"]["domains"] == "0001_initial"
    assert manifest["media"]["files"] == 1
    assert len(manifest["media"]["sha256"]) == 64

    # Without --yes, or with a damaged file, restore refuses before touching anything (these checks need
    # no database, so they run in-process).
    with pytest.raises(CommandError, match="--yes"):
        call_command("restore", str(backup))
    damaged = tmp_path / "damaged"
    shutil.copytree(backup, damaged)
    with (damaged / "database.dump").open("r+b") as dump:
        dump.seek(200)
        byte = dump.read(1)
        dump.seek(200)
        dump.write(bytes([byte[0] ^ 0xFF]))
    with pytest.raises(CommandError, match="checksum"):
        call_command("restore", str(damaged), "--yes")
    assert snapshot(postgres, seeded_database) == before

    # Disaster: the schema and the files are gone.
    postgres.query(seeded_database, "DROP SCHEMA public CASCADE; CREATE SCHEMA public; SELECT 1")
    assert postgres.query(seeded_database, "SELECT to_regclass('public.patients_patient')") == [(None,)]
    shutil.rmtree(media)

    restored = manage(env, "restore", str(backup), "--yes")
    assert "Restored" in restored.stdout

    after = snapshot(postgres, seeded_database)
    assert after["counts"] == before["counts"]
    for name in RECORDS:
        assert after[name] == before[name], name
    assert logo.read_bytes() == (b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8)
    assert not [p for p in media.iterdir() if p.name.startswith(".restore-")]
