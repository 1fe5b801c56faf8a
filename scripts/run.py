"""`make run`: database, migrations, demo data, then the web server and a task worker until Ctrl-C."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from database import ROOT, ensure_database_url  # noqa: E402

PYTHON = sys.executable
LOGINS = """
  Demo logins (password: demo-pass-2026)
    owner@alpha.test       owner of Alpha Health (Alpha Downtown, Alpha Riverside)
    doctor@alpha.test      practitioner at both Alpha clinics
    frontdesk@alpha.test   front desk at Alpha Downtown
    owner@beta.test        owner of Beta Care (Beta Central)
    doctor@beta.test       practitioner at Beta Central
    frontdesk@beta.test    front desk at Beta Central
    patient@demo.test      a patient of both organizations (portal)
"""


def manage(*args: str) -> None:
    subprocess.run([PYTHON, "manage.py", *args], cwd=ROOT, check=True)


def main() -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "settings.dev")
    url, server = ensure_database_url(prefer_local=False)
    print(f"Database: {url}")
    manage("migrate", "--no-input")
    manage("seed_demo")
    manage("sync_schedules")
    children = [
        subprocess.Popen([PYTHON, "manage.py", "runserver", "127.0.0.1:8000", "--noreload"], cwd=ROOT),
        subprocess.Popen([PYTHON, "manage.py", "qcluster"], cwd=ROOT),
    ]
    print("\n  Clinic EHR is running on http://127.0.0.1:8000  (Ctrl-C stops everything)")
    print(LOGINS)

    stopping = False

    def stop(*_):
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    while not stopping and all(child.poll() is None for child in children):
        time.sleep(0.5)
    for child in children:
        if child.poll() is None:
            child.send_signal(signal.SIGINT)
    deadline = time.time() + 15
    for child in children:
        try:
            child.wait(timeout=max(0.1, deadline - time.time()))
        except subprocess.TimeoutExpired:
            child.kill()
    if server is not None:
        server.cleanup()
    print("Stopped.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
