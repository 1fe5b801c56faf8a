"""`make test`: ruff, then the whole pytest suite (browser tests included) against PostgreSQL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from database import ROOT, ensure_database_url  # noqa: E402

BIN = Path(sys.executable).parent


def main(argv: list[str]) -> int:
    os.environ["DJANGO_SETTINGS_MODULE"] = "settings.test"
    os.environ.setdefault("EHR_VAR_DIR", str(ROOT / "var" / "test"))
    url, server = ensure_database_url(prefer_local=True)
    print(f"Database: {url}", flush=True)
    for check in (["ruff", "check", "."], ["ruff", "format", "--check", "."]):
        result = subprocess.run([str(BIN / check[0]), *check[1:]], cwd=ROOT)
        if result.returncode != 0:
            print("ruff found problems (run `.venv/bin/ruff check --fix . && .venv/bin/ruff format .`)")
            return result.returncode
    args = argv or ["-n", "2", "--dist", "loadfile"]
    result = subprocess.run([str(BIN / "pytest"), *args], cwd=ROOT)
    if server is not None:
        server.cleanup()
    return result.returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
