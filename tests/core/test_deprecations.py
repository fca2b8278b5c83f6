"""Deprecation warnings are errors in the test run (pyproject's ``filterwarnings``): something our code
calls that is going away fails a test the day the warning appears, instead of piling up in a summary.
A third-party warning we cannot fix would be ignored there by module, with its reason."""

import subprocess
import sys
import warnings
from pathlib import Path

import pytest
from wtforms import Form, SelectField

ROOT = Path(__file__).resolve().parents[2]


def warn_from(module: str, category=DeprecationWarning) -> None:
    """A warning as Python attributes it: to the module whose line triggered it."""
    warnings.warn_explicit("this call is going away", category, f"{module.replace('.', '/')}.py", 1, module=module)


@pytest.mark.parametrize("module", ["app.periods.services", "tests.core.example"])
@pytest.mark.parametrize("category", [DeprecationWarning, PendingDeprecationWarning])
def test_a_deprecation_from_our_code_is_an_error(module, category):
    with pytest.raises(category, match="going away"):
        warn_from(module, category)


def test_tuple_choices_on_a_select_field_are_an_error():
    class TupleForm(Form):
        colour = SelectField(choices=[("red", "Red")])

    with pytest.raises(DeprecationWarning, match="SelectChoice"):
        TupleForm()


def test_the_run_fails_on_a_deprecation_warning(tmp_path):
    (tmp_path / "test_old_call.py").write_text(
        "import warnings\n\n\ndef test_old_call():\n"
        "    warnings.warn_explicit('old API', DeprecationWarning, 'app/example.py', 1, module='app.example')\n"
    )
    run = subprocess.run([sys.executable, "-m", "pytest", "-c", str(ROOT / "pyproject.toml"), "--rootdir",
                          str(tmp_path), str(tmp_path / "test_old_call.py")],
                         capture_output=True, text=True, cwd=tmp_path, timeout=120)
    assert run.returncode == 1, run.stdout + run.stderr
    assert "1 failed" in run.stdout and "DeprecationWarning: old API" in run.stdout
