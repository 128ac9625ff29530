"""The ``skdash`` command line.

A few runs go through a real ``python -m skdash`` process (exit status, no
traceback, console output); they start together in one fixture because each
process spends seconds importing torch.  The many bad-input cases call
``skdash.cli.main`` in-process, which is what the process runs.
"""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from skdash.cli import main

from .conftest import make_toy_system

ROOT = Path(__file__).resolve().parents[1]

FAST_OPTIONS = ["--max-epochs", "6", "--hidden-units", "6", "--learning-rate", "0.01", "--random-state", "0"]


def write_toy_files(folder):
    """A long-format expression CSV (rows shuffled) and a prior edge list of the toy system."""
    toy = make_toy_system(n_genes=5, n_trajectories=8)
    frame = pd.DataFrame(toy.X, columns=toy.gene_names)
    frame.insert(0, "time", toy.t)
    frame.insert(0, "trajectory", [f"course{i}" for i in toy.trajectory])
    frame = frame.sample(frac=1.0, random_state=0)
    expression = folder / "expression.csv"
    frame.to_csv(expression, index=False)
    regulators, targets = np.nonzero(toy.prior)
    names = np.asarray(toy.gene_names)
    prior = folder / "prior.tsv"
    pd.DataFrame({"regulator": names[regulators], "target": names[targets],
                  "sign": toy.prior[regulators, targets]}).to_csv(prior, sep="\t", index=False)
    return expression, prior, toy


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cli")
    expression, prior, toy = write_toy_files(folder)
    return folder, expression, prior, toy


#: Bad expression files: (file name, content, what the error must say).
BAD_EXPRESSION = [
    ("x.csv", "", "is empty"),
    # messages name the command's flags, not the Python parameters
    ("x.csv", "trajectory,G1,G2\nA,0.1,0.2\n", r"has no time column 'time' \(set --time-column to"),
    ("x.csv", "time,G1,G2\n0,0.1,0.2\n", r"has no trajectory column 'trajectory' \(set --trajectory-column to"),
    ("x.csv", "trajectory,time,G1,G1\nA,0,0.1,0.2\n", r"names these columns more than once: \['G1'\]"),
    ("x.tsv", "trajectory\ttime\tG1\nA\t0\t0.5\nA\t1\tNaN\n", "gene column 'G1' .* missing value"),
    ("x.csv", "trajectory,time,G1\nA,0,0.5\nA,1,0.6\nA,1,0.7\n", "more than one row at time 1"),
]
#: Bad prior files for the toy expression file: (content, what the error must say).
BAD_PRIOR = [
    ("regulator,target,sign\nG0,G1,1\nTP53,G2,-1\nMYC,G1,1\n",
     r"2 regulators not in the expression data: \['TP53', 'MYC'\]"),
    ("regulator,target,sign\nG0,G1,1\nTP53,G2,-1\n", r"1 regulator not in the expression data: \['TP53'\]"),
    (",G0,G1\nG0,0,1\nG1,1,0\nG9,0,0\n", r"1 regulator \(row\) not in the expression data: \['G9'\]"),
    ("", "is empty"),
]


@pytest.fixture(scope="module")
def processes(files):
    """Run several ``python -m skdash`` commands at once; {name: CompletedProcess-like}."""
    folder, expression, prior, _ = files
    bad = folder / "bad.csv"
    bad.write_text("trajectory,time,G1\nA,0,0.5\nA,1,oops\n")
    commands = {}
    for case, (name, text, _) in enumerate(BAD_EXPRESSION):
        path = folder / f"expression{case}" / name
        path.parent.mkdir()
        path.write_text(text)
        commands[f"bad expression {case}"] = ["fit", str(path), "--out", str(path.parent / "n.tsv")]
    for case, (text, _) in enumerate(BAD_PRIOR):
        path = folder / f"prior{case}" / "prior.csv"
        path.parent.mkdir()
        path.write_text(text)
        commands[f"bad prior {case}"] = ["fit", str(expression), "--prior", str(path),
                                         "--out", str(path.parent / "n.tsv")]
    tab_separated = folder / "tabs" / "expression.csv"  # a TSV saved under a .csv name
    tab_separated.parent.mkdir()
    pd.read_csv(expression).to_csv(tab_separated, sep="\t", index=False)
    commands.update({
        "tsv named csv": ["fit", str(tab_separated), "--out", str(tab_separated.parent / "network.tsv"),
                          *FAST_OPTIONS],
        # the main job as a first run: no options but a small size, files in ./skdash-demo
        "demo": ["demo", "--n-trajectories", "3", "--n-test-trajectories", "1", "--max-epochs", "40",
                 "--sparsity", "auto", "--hidden-units", "3"],
        "bootstrap": ["fit", str(expression), "--prior", str(prior), "--out", str(folder / "stable.tsv"),
                      "--bootstrap", "3", *FAST_OPTIONS],
        "help": ["fit", "--help"],
        "bad": ["fit", str(bad), "--out", str(folder / "never.tsv")],
        "fit": ["fit", str(expression), "--prior", str(prior), "--out", str(folder / "network.tsv"),
                *FAST_OPTIONS],
    })
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    running = {name: subprocess.Popen([sys.executable, "-m", "skdash", *args], stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, text=True, env=env, cwd=folder)
               for name, args in commands.items()}
    results = {}
    for name, process in running.items():
        out, err = process.communicate(timeout=120)
        results[name] = subprocess.CompletedProcess(process.args, process.returncode, out, err)
    return results


def run(args, capsys):
    status = main([str(arg) for arg in args])
    captured = capsys.readouterr()
    return status, captured.out, captured.err


# --------------------------------------------------------------------------
# Real processes
# --------------------------------------------------------------------------
def test_process_help(processes):
    result = processes["help"]
    assert result.returncode == 0
    assert result.stdout.startswith("usage: skdash fit")
    for option in ("--prior", "--out", "--time-column", "--trajectory-column", "--sparsity", "--prior-weight",
                   "--max-epochs", "--random-state", "--verbose", "exit status"):
        assert option in result.stdout


def test_process_bad_input_exits_2_without_traceback(processes):
    result = processes["bad"]
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        f"skdash fit: error: The gene column 'G1' of '{Path(result.args[4])}' has a non-numeric value "
        "'oops' (data row 2)."
    ]
    assert result.stdout == ""


def test_process_fit_writes_network(processes, files):
    folder, _, _, toy = files
    result = processes["fit"]
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "Read 5 genes, 40 snapshots in 8 trajectories; prior with 5 edges." in result.stderr
    network = pd.read_csv(folder / "network.tsv", sep="\t")
    assert list(network.columns) == ["regulator", "target", "weight", "score"]
    assert len(network) > 0 and np.all(np.isfinite(network["weight"]))
    assert set(network["regulator"]) | set(network["target"]) <= set(toy.gene_names)
    assert (network["regulator"] != network["target"]).all()
    assert np.all(np.diff(network["score"].to_numpy()) <= 0)  # strongest evidence first


def test_process_bootstrap_writes_the_confidence_of_each_edge(processes, files):
    folder = files[0]
    result = processes["bootstrap"]
    assert result.returncode == 0, result.stderr
    assert "Fitted 3 models in" in result.stderr
    network = pd.read_csv(folder / "stable.tsv", sep="\t")
    assert list(network.columns) == ["regulator", "target", "weight", "confidence"]
    # the default network: edges kept by at least half of the 3 models, as fractions of 3
    assert set(np.round(network["confidence"] * 3, 6)) <= {2.0, 3.0}


def test_bootstrap_rejects_options_for_a_single_model(files, tmp_path, capsys):
    _, expression, _, _ = files
    for option in (["--save-model", str(tmp_path / "m.pt")], ["--threshold", "0.1"]):
        status, _, err = run(["fit", expression, "--out", tmp_path / "n.tsv", "--bootstrap", "2", *option], capsys)
        assert status == 2 and "with --bootstrap" in err


def test_process_reads_a_tab_separated_file_named_csv_with_a_warning(processes, files):
    folder = files[0]
    result = processes["tsv named csv"]
    assert result.returncode == 0, result.stderr
    assert "skdash: warning: " in result.stderr and "reading it as tab-separated" in result.stderr
    assert "Read 5 genes, 40 snapshots in 8 trajectories." in result.stderr
    assert (folder / "tabs" / "network.tsv").exists()


def test_process_demo_writes_network_and_figure_to_a_named_folder(processes, files):
    folder = files[0]
    result = processes["demo"]
    assert result.returncode == 0, result.stderr
    written = folder / "skdash-demo"
    assert f"wrote {Path('skdash-demo') / 'network.tsv'}" in result.stderr
    network = pd.read_csv(written / "network.tsv", sep="\t")
    assert list(network.columns)[:3] == ["regulator", "target", "weight"]
    if importlib.util.find_spec("matplotlib"):
        assert (written / "demo.png").stat().st_size > 10_000
    # not a piped line per epoch: the first epoch and then every twentieth of the run, for each
    # model the choice of the prior-loss weight trains (each announced on a line of its own)
    lines = result.stderr.splitlines()
    epoch_lines = [line for line in lines if line.startswith("epoch ")]
    n_trained = sum(line.startswith("DASH prior_loss_weight=") for line in lines)
    assert 2 <= n_trained <= 4
    assert n_trained <= len(epoch_lines) <= 21 * n_trained


# --------------------------------------------------------------------------
# In-process: the same entry point
# --------------------------------------------------------------------------
def test_fit_is_reproducible_and_matches_the_estimator(files, tmp_path, capsys):
    from skdash import DASHRegulatoryEstimator, load_model
    from skdash.io import read_expression, read_prior

    _, expression, prior, _ = files
    outputs = []
    for name in ("a.tsv", "b.tsv"):
        status, _, err = run(["fit", expression, "--prior", prior, "--out", tmp_path / name, *FAST_OPTIONS],
                             capsys)
        assert status == 0, err
        outputs.append((tmp_path / name).read_text())
    assert outputs[0] == outputs[1]
    # --jobs trains the candidate prior-loss weights at a time: the same search, the same network
    status, _, err = run(["fit", expression, "--prior", prior, "--out", tmp_path / "c.tsv", "--jobs", "2",
                          "--save-model", tmp_path / "c.pt", *FAST_OPTIONS], capsys)
    assert status == 0, err
    assert (tmp_path / "c.tsv").read_text() == outputs[0]
    parallel = load_model(tmp_path / "c.pt")
    assert parallel.n_jobs == 2 and len(parallel.prior_loss_path_) > 1
    X, t, trajectory = read_expression(expression)
    estimator = DASHRegulatoryEstimator(prior=read_prior(prior, X.columns), max_epochs=6, hidden_units=6,
                                        learning_rate=0.01, random_state=0)
    expected = estimator.fit(X, t=t, trajectory=trajectory).get_network()
    written = pd.read_csv(tmp_path / "a.tsv", sep="\t")
    pd.testing.assert_frame_equal(written[["regulator", "target"]], expected[["regulator", "target"]])
    np.testing.assert_allclose(written["weight"], expected["weight"], rtol=1e-12)


def test_fit_options(files, tmp_path, capsys):
    _, expression, prior, _ = files
    status, out, err = run(["fit", expression, "--out", "-", "--top-k", "3", "--sparsity", "0.5",
                            "--prior-weight", "0", "--scale", "minmax", "--verbose", *FAST_OPTIONS], capsys)
    assert status == 0, err
    lines = out.strip().splitlines()
    assert lines[0] == "regulator\ttarget\tweight\tscore" and len(lines) == 4
    assert "epoch    6" in err  # progress lines (stderr is not a terminal here)
    assert "sparsity 0.500" in err


def test_pruning_options_build_the_schedule(files, tmp_path, capsys):
    from skdash import load_model
    from skdash.pruning import PruningSchedule

    _, expression, _, _ = files
    status, _, err = run(["fit", expression, "--out", tmp_path / "n.tsv", "--sparsity", "0.6", "--pruning-start", "1",
                          "--pruning-initial", "0.5", "--pruning-interval", "2", "--pruning-rate", "0.3",
                          "--save-model", tmp_path / "model.pt", *FAST_OPTIONS], capsys)
    assert status == 0, err
    model = load_model(tmp_path / "model.pt")
    assert model.pruning == PruningSchedule(start=1, initial=0.5, interval=2, rate=0.3)
    assert [record["epoch"] for record in model.history_ if record["pruned"]] == [1, 3]
    assert model.max_epochs == 6 and model.sparsity == 0.6


def test_left_out_options_leave_the_estimator_defaults(files, tmp_path, capsys):
    from skdash import load_model

    _, expression, _, _ = files
    status, _, err = run(["fit", expression, "--out", tmp_path / "n.tsv", "--save-model", tmp_path / "model.pt",
                          "--max-epochs", "4"], capsys)
    assert status == 0, err
    model = load_model(tmp_path / "model.pt")
    assert model.pruning is None and model.sparsity == "auto" and model.hidden_units == 40
    assert model.random_state is None and model.prior_weight is None


def test_fit_single_trajectory_and_custom_columns(tmp_path, capsys):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.uniform(0.2, 0.8, size=(8, 3)), columns=["a", "b", "c"])
    frame.insert(0, "minutes", np.arange(8) * 15.0)
    frame.to_csv(tmp_path / "x.tsv", sep="\t", index=False)
    status, _, err = run(["fit", tmp_path / "x.tsv", "--time-column", "minutes", "--single-trajectory",
                          "--out", tmp_path / "n.tsv", "--sparsity", "0", *FAST_OPTIONS], capsys)
    assert status == 0, err
    assert "Read 3 genes, 8 snapshots in 1 trajectory." in err
    assert len(pd.read_csv(tmp_path / "n.tsv", sep="\t")) > 0


def test_fit_bad_expression_files(processes):
    for case in range(len(BAD_EXPRESSION)):
        result = processes[f"bad expression {case}"]
        check_bad_input(result, BAD_EXPRESSION[case][2])


def test_fit_bad_prior_files(processes):
    for case in range(len(BAD_PRIOR)):
        result = processes[f"bad prior {case}"]
        check_bad_input(result, BAD_PRIOR[case][1])


def check_bad_input(result, message):
    """Exit status 2, one line on stderr naming the problem, no traceback, no output file."""
    assert result.returncode == 2, (result.args, result.stderr)
    assert result.stderr.startswith("skdash fit: error: ") and result.stderr.count("\n") == 1, result.stderr
    assert re.search(message, result.stderr), result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert not Path(result.args[result.args.index("--out") + 1]).exists()


@pytest.mark.parametrize("args, message", [
    (["fit", "{expression}", "--out", "{folder}/missing/n.tsv"], "does not exist"),
    (["fit", "{folder}/nothing.csv", "--out", "{folder}/n.tsv"], "nothing.csv' does not exist"),
    (["fit", "{expression}", "--out", "{folder}/n.tsv", "--prior-weight", "0.5"], "no prior"),
    # the estimator's message, in the command's flags
    (["fit", "{expression}", "--out", "{folder}/n.tsv", "--sparsity", "0.99", "--max-epochs", "3"],
     "Increase --max-epochs or --pruning-rate, or shorten --pruning-interval."),
])
def test_fit_bad_paths_and_rejected_settings(files, capsys, args, message):
    folder, expression, _, _ = files
    status, _, err = run([arg.format(folder=folder, expression=expression) for arg in args], capsys)
    assert status == 2
    assert message in err and "Traceback" not in err


@pytest.mark.parametrize("args, message", [
    ([], "required: COMMAND"),
    (["predict"], "invalid choice"),
    (["fit", "x.csv"], "required: --out"),
    (["fit", "x.csv", "--out", "n.tsv", "--sparsity", "1.5"], "expected 'auto' or a number in [0, 1)"),
    (["fit", "x.csv", "--out", "n.tsv", "--prior-weight", "0.5,2"], "LAMBDA_IN,LAMBDA_OUT"),
    (["fit", "x.csv", "--out", "n.tsv", "--max-epochs", "0"], "expected a value >= 1"),
    (["fit", "x.csv", "--out", "n.tsv", "--pruning-rate", "1"], "argument --pruning-rate: expected a number in [0, 1)"),
    (["fit", "x.csv", "--out", "n.tsv", "--pruning-start", "two"],
     "argument --pruning-start: expected 'converged' or a value >= 1; got 'two'"),
    (["demo", "--pruning-interval", "0"], "argument --pruning-interval: expected a value >= 1"),
    (["demo", "--noise", "-1"], "expected a value >= 0.0"),
])
def test_usage_errors_exit_2(capsys, args, message):
    status, _, err = run(args, capsys)
    assert status == 2
    assert "usage: skdash" in err and message in err


def test_help_and_version(capsys):
    status, out, _ = run(["demo", "--help"], capsys)
    assert status == 0 and out.startswith("usage: skdash demo")
    assert "--n-trajectories" in out and "--max-epochs" in out
    status, out, _ = run(["--version"], capsys)
    assert status == 0 and out.startswith("skdash ")


def test_unexpected_failures_exit_1(files, tmp_path, capsys, monkeypatch):
    import skdash.io

    _, expression, _, _ = files

    def broken(*args, **kwargs):
        raise RuntimeError("something internal broke")

    monkeypatch.setattr(skdash.io, "read_expression", broken)
    status, _, err = run(["fit", expression, "--out", tmp_path / "n.tsv"], capsys)
    assert status == 1
    assert "unexpected error" in err and "Traceback" in err and "something internal broke" in err


def test_diverged_training_exits_1_with_message(files, tmp_path, capsys):
    _, expression, _, _ = files
    # a learning rate this high blows the weights up after the first step
    status, _, err = run(["fit", expression, "--learning-rate", "1e6", "--max-epochs", "3",
                          "--out", tmp_path / "n.tsv"], capsys)
    assert status == 1
    assert err.strip().splitlines()[-1].startswith("skdash fit: training failed: Training diverged at epoch 1")
    assert "lower learning_rate" in err and "Traceback" not in err


def test_demo_small(tmp_path, capsys):
    status, out, err = run(["demo", "--n-trajectories", "3", "--n-test-trajectories", "1", "--max-epochs", "4",
                            "--sparsity", "auto", "--hidden-units", "3", "--quiet", "--out", tmp_path / "demo"], capsys)
    assert status == 0, err
    for label in ("balanced accuracy", "sparsity", "AUROC", "AUPR", "early precision", "MSE"):
        line = next(line for line in out.splitlines() if line.strip().startswith(label))
        assert np.isfinite(float(line.split()[-1]))
    sparsity = float(next(line for line in out.splitlines() if line.strip().startswith("sparsity")).split()[-1])
    assert sparsity == pytest.approx(0.7, abs=0.01)  # one pruning event of 70%, at epoch 2 of 4 at the latest
    network = pd.read_csv(tmp_path / "demo" / "network.tsv", sep="\t")
    assert list(network.columns) == ["regulator", "target", "weight", "score"] and len(network) > 0
    if importlib.util.find_spec("matplotlib"):
        assert (tmp_path / "demo" / "demo.png").stat().st_size > 10_000
    assert "epoch    1" not in err  # --quiet
