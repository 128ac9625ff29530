"""``skdash fit --save-model`` and ``skdash perturb``: real processes, then bad input in-process."""

import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from skdash import load_model
from skdash.cli import main

from .test_cli import FAST_OPTIONS, ROOT, write_toy_files


def run_process(args, cwd):
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    return subprocess.run([sys.executable, "-m", "skdash", *map(str, args)], capture_output=True, text=True,
                          env=env, cwd=cwd, timeout=120)


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    """A model saved by a real ``skdash fit`` process, and a real ``skdash perturb`` run on it."""
    folder = tmp_path_factory.mktemp("perturb")
    expression, _, _ = write_toy_files(folder)
    model = folder / "model.pt"
    fitted = run_process(["fit", expression, "--out", folder / "network.tsv", "--save-model", model,
                          "--sparsity", "0", *FAST_OPTIONS], folder)
    assert fitted.returncode == 0, fitted.stderr
    level = float(load_model(model).expression_max_[2])
    perturbed = run_process(["perturb", model, "--knockout", "G0,G3", "--force", f"G2={level!r}",
                             "--out", folder / "effects.tsv"], folder)
    return folder, model, fitted, perturbed, level


def test_fit_saves_a_model_that_loads(saved):
    folder, model, fitted, _, _ = saved
    assert f"wrote {model}" in fitted.stderr
    estimator = load_model(model)
    written = pd.read_csv(folder / "network.tsv", sep="\t")
    pd.testing.assert_frame_equal(written, estimator.get_network(), check_exact=False, rtol=1e-6)


def test_perturb_process_writes_the_effects_of_the_model(saved):
    folder, model, _, perturbed, level = saved
    assert perturbed.returncode == 0, perturbed.stderr
    assert "Traceback" not in perturbed.stderr
    assert "3 perturbations x 5 targets" in perturbed.stderr
    table = pd.read_csv(folder / "effects.tsv", sep="\t")
    assert list(table.columns) == ["perturbed", "level", "target", "shift"]
    assert list(pd.unique(table["perturbed"])) == ["G0", "G3", "G2"]
    assert len(table) == 3 * 5
    expected = load_model(model).perturbation_effects(genes=["G0", "G3", "G2"], value=[0.0, 0.0, level])
    for row in table.itertuples():
        assert row.shift == pytest.approx(expected.loc[row.perturbed, row.target], abs=1e-9)
        assert row.level == (level if row.perturbed == "G2" else 0.0)
    for _, block in table.groupby("perturbed", sort=False):
        assert np.all(np.diff(block["shift"].abs().to_numpy()) <= 0)  # largest first


def test_perturb_to_standard_output_with_a_horizon(saved, capsys):
    _, model, _, _, _ = saved
    assert main(["perturb", str(model), "--knockout", "G1", "--horizon", "2", "--out", "-"]) == 0
    out = capsys.readouterr().out.strip().splitlines()
    assert out[0] == "perturbed\tlevel\ttarget\tshift" and len(out) == 6
    expected = load_model(model).perturbation_effects(genes=["G1"], horizon=2.0)
    shifts = {line.split("\t")[2]: float(line.split("\t")[3]) for line in out[1:]}
    assert shifts == pytest.approx(expected.loc["G1"].to_dict(), abs=1e-9)


@pytest.mark.parametrize("extra, message", [
    ([], "nothing to perturb"),
    (["--knockout", "NOPE"], "unknown gene 'NOPE'"),
    (["--force", "G1=7"], "outside the range seen in training"),
    (["--knockout", "G1", "--force", "G1=0.5"], "more than once"),
])
def test_perturb_bad_requests_exit_2(saved, tmp_path, capsys, extra, message):
    _, model, _, _, _ = saved
    status = main(["perturb", str(model), *extra, "--out", str(tmp_path / "e.tsv")])
    err = capsys.readouterr().err
    assert status == 2 and message in err and "Traceback" not in err


@pytest.mark.parametrize("argument", ["--force=G1", "--force=G1=high", "--knockout=G1,,G2"])
def test_perturb_malformed_options_exit_2(saved, capsys, argument):
    _, model, _, _, _ = saved
    assert main(["perturb", str(model), argument, "--out", "-"]) == 2
    assert "expected" in capsys.readouterr().err


def test_perturb_a_file_that_is_not_a_model_exits_2(tmp_path, capsys):
    junk = tmp_path / "junk.pt"
    junk.write_text("not a model")
    assert main(["perturb", str(junk), "--knockout", "G1", "--out", "-"]) == 2
    assert "skdash perturb: error:" in capsys.readouterr().err
    assert main(["perturb", str(tmp_path / "missing.pt"), "--knockout", "G1", "--out", "-"]) == 2
