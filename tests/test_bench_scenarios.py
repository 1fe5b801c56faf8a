"""The benchmark's scenarios and the product's forms agree, without running the benchmark.

``scripts/bench.py`` reads each scenario's figures from the row of locust's statistics named after it
(``chart_open`` → "chart open"); a request named otherwise leaves the scenario without figures. The new
patient's sign-up flow posts the portal's registration form by hand, so a field the form starts to require
(the privacy notice's consent) must be posted there too, or every flow fails with a 400."""

from __future__ import annotations

import ast
import importlib.util
import re
from pathlib import Path

from portal_site.forms import RegisterForm

ROOT = Path(__file__).resolve().parent.parent
LOCUSTFILE = (ROOT / "bench" / "locustfile.py").read_text()


def _bench_script():
    spec = importlib.util.spec_from_file_location("bench_script", ROOT / "scripts" / "bench.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _string_constants(source: str) -> set[str]:
    return {
        node.value
        for node in ast.walk(ast.parse(source))
        if isinstance(node, ast.Constant) and isinstance(node.value, str)
    }


def test_every_measured_scenario_names_the_row_its_figures_are_read_from():
    bench = _bench_script()
    names = _string_constants(LOCUSTFILE)
    measured = [name for name in bench.SCENARIOS if name not in bench.WORKER_SCENARIOS]
    missing = [name for name in measured if name.replace("_", " ") not in names]
    assert not missing, f"no request or flow named after these scenarios: {missing}"
    assert all(f"def {name}(" in LOCUSTFILE for name in measured)


def test_the_sign_up_flow_posts_every_field_the_registration_form_requires():
    flow = LOCUSTFILE[LOCUSTFILE.index("def portal_signup_booking") :]
    flow = flow[: flow.index("\n    def ", 1)]
    posted = set(re.findall(r'"(\w+)": ', flow))
    required = {name for name, field in RegisterForm().fields.items() if field.required}
    assert required <= posted, f"the flow does not post {sorted(required - posted)}"
