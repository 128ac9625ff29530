"""The package as a whole: what importing it costs."""

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("module", ["skdash", "skdash.datasets", "skdash.metrics", "skdash.io", "skdash.cli",
                                    "skdash.plotting"])
def test_importing_does_not_load_torch(module):
    code = f"import sys, {module}; print('torch' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip() == "False"


def test_command_line_version_and_help_do_not_load_torch():
    code = ("import sys; from skdash.cli import main; main(['--version']); main(['--help']); "
            "print('torch' in sys.modules)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert result.stdout.strip().splitlines()[-1] == "False"


def test_lazy_names_resolve_to_the_classes():
    import skdash
    from skdash._estimator import DASHRegulatoryEstimator
    from skdash._stability import StabilitySelection

    assert skdash.DASHRegulatoryEstimator is DASHRegulatoryEstimator
    assert skdash.StabilitySelection is StabilitySelection
    assert set(skdash.__all__) <= set(dir(skdash))
    with pytest.raises(AttributeError, match="no attribute 'nothing'"):
        skdash.nothing
