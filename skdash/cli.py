"""The ``skdash`` command line.

``skdash demo`` fits DASH on a fresh SIM350 data set with the true prior and
scores the network against the truth; ``skdash fit`` reads a long-format
expression table (and optionally a prior) and writes the inferred network as a
tab-separated edge list (regulator, target, weight), and with ``--save-model``
the fitted model; ``skdash perturb`` loads such a model and predicts the
effects of knockouts and forced expression.

Exit status: 0 on success, 2 for a usage error or bad input (the message goes
to standard error, without a traceback), 1 for an unexpected failure.

Examples
--------
.. code-block:: console

    $ skdash demo              # writes skdash-demo/network.tsv and skdash-demo/demo.png
    $ skdash fit expression.csv --prior prior.tsv --out network.tsv --verbose
    $ skdash fit expression.csv --out network.tsv --save-model model.pt
    $ skdash perturb model.pt --knockout G1,G2 --force G3=0.9 --out effects.tsv
"""

import argparse
import contextlib
import pickle
import re
import sys
import time
import traceback
import warnings
from pathlib import Path

import numpy as np

from ._cli_options import EstimatorOption, add_estimator_options, estimator_params

#: Exit status for usage errors and bad input (argparse's own choice too).
EXIT_BAD_INPUT = 2
#: Exit status for unexpected failures.
EXIT_FAILURE = 1

_FIT_EPILOG = """\
input formats:
  EXPR   long format, one row per snapshot: a trajectory column, a time column
         and one column per gene, e.g.
             trajectory,time,G1,G2,G3
             A,0,0.41,0.52,0.33
  PRIOR  either a regulators x targets matrix (regulator names as the first
         column, target names as the header) or an edge list with columns
         regulator, target and optionally sign or weight.
  CSV or TSV is chosen by the extension (.csv, .tsv, .tab, also .gz) or sniffed.

output: tab-separated edge list with columns regulator, target, weight (the
signed effect) and score (the evidence for the edge), strongest first ('-'
writes to standard output); with --bootstrap N, confidence (the fraction of the
N models that keep the edge) instead of score.

exit status: 0 success, 2 usage error or bad input, 1 unexpected failure.
"""


class BadInput(Exception):
    """Input the user has to fix: reported in one line, exit status 2."""


# --------------------------------------------------------------------------
# Argument types
# --------------------------------------------------------------------------
def _bounded(kind, low, high=None, *, open_high=False):
    """Type of an option that sets no estimator parameter (those are derived, see _FIT_OPTIONS)."""
    def parse(text):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected {'an integer' if kind is int else 'a number'}; "
                                             f"got {text!r}") from None
        too_high = high is not None and (value >= high if open_high else value > high)
        if value < low or too_high:
            bound = f" and {'<' if open_high else '<='} {high}" if high is not None else ""
            raise argparse.ArgumentTypeError(f"expected a value >= {low}{bound}; got {text!r}")
        return value
    return parse


def _gene_list(text):
    genes = [gene.strip() for gene in text.split(",")]
    if not all(genes):
        raise argparse.ArgumentTypeError(f"expected gene names separated by commas, such as G1,G2; got {text!r}")
    return genes


def _forced_levels(text):
    forced = []
    for item in text.split(","):
        gene, equals, level = item.partition("=")
        try:
            value = float(level)
        except ValueError:
            value = None
        if not equals or not gene.strip() or value is None:
            raise argparse.ArgumentTypeError(f"expected GENE=LEVEL pairs separated by commas, such as "
                                             f"G1=0.9,G2=0.8; got {text!r}")
        forced.append((gene.strip(), value))
    return forced


_PERTURB_EPILOG = """output: tab-separated table with columns perturbed, level, target, shift: the
predicted mean shift of each target's level at the horizon when the perturbed
gene is held at the level (0 = knockout), relative to the unperturbed model,
from the first state of every training trajectory; for each perturbation the
largest |shift| first ('-' writes to standard output).

exit status: 0 success, 2 usage error or bad input, 1 unexpected failure.
"""


def _add_perturb_parser(commands):
    perturb = commands.add_parser(
        "perturb", help="predict the effects of knockouts and forced expression with a saved model",
        description="Load a model written by 'skdash fit --save-model' and simulate each perturbation "
                    "(one gene held at a level for the whole trajectory) from the first state of every "
                    "training trajectory.",
        epilog=_PERTURB_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    perturb.add_argument("model", metavar="MODEL", type=Path, help="model file from 'skdash fit --save-model'")
    perturb.add_argument("--knockout", metavar="G1,G2", type=_gene_list, default=[],
                         help="genes to knock out (held at 0), one at a time")
    perturb.add_argument("--force", metavar="G=LEVEL,...", type=_forced_levels, default=[],
                         help="genes to hold at a level inside the range seen in training, one at a time")
    perturb.add_argument("--horizon", type=_bounded(float, 1e-12), default=None,
                         help="time after the start at which shifts are read, in the unit of the fitted "
                              "data (default: the longest trajectory span seen in training)")
    perturb.add_argument("--out", metavar="EFFECTS.tsv", required=True,
                         help="where to write the effects ('-': standard output)")
    perturb.defer(_estimator_options(_PERTURB_OPTIONS))


# --------------------------------------------------------------------------
# Options that set estimator parameters
# --------------------------------------------------------------------------
def _parameter_groups():
    """Parameter objects built from "name__member" options: estimator parameter -> class.

    Another object (say a solver with its own _parameter_constraints) is one entry
    here plus its options below.  Imported on use: scikit-learn is slow to import.
    """
    from .pruning import PruningSchedule

    return {"pruning": PruningSchedule}


#: The fit options that set estimator parameters; their types, bounds and defaults come
#: from the estimator's _parameter_constraints (the pruning ones from PruningSchedule's).
_FIT_OPTIONS = (
    EstimatorOption("--sparsity", "sparsity",
                    "'auto' (keep a checkpoint of any sparsity, chosen by the validation loss) or a final "
                    "fraction of pruned weights"),
    EstimatorOption("--prior-weight", "prior_weight",
                    "DASH's lambda, the prior's weight in the pruning scores, for both layers or as "
                    "LAMBDA_IN,LAMBDA_OUT; default 0.5,0.05 with a prior, 0 without",
                    metavar="LAMBDA[,LAMBDA_OUT]", items=("LAMBDA_IN", "LAMBDA_OUT")),
    EstimatorOption("--prior-loss-weight", "prior_loss_weight",
                    "PHOENIX's regulariser, the prior's weight in the training loss; 'auto' (default) "
                    "chooses it from the held-out transitions, 0 without a prior"),
    EstimatorOption("--max-epochs", "max_epochs", ""),
    EstimatorOption("--hidden-units", "hidden_units", ""),
    EstimatorOption("--learning-rate", "learning_rate", ""),
    EstimatorOption("--pruning-start", "pruning__start",
                    "epoch of the first pruning event, or 'converged': once the dense model stops improving"),
    EstimatorOption("--pruning-initial", "pruning__initial",
                    "fraction of each weight matrix pruned at the first event"),
    EstimatorOption("--pruning-interval", "pruning__interval", "epochs between later pruning events"),
    EstimatorOption("--pruning-rate", "pruning__rate",
                    "fraction of the remaining weights pruned at each later event"),
    EstimatorOption("--n-threads", "n_threads",
                    "torch threads; default: chosen from the model size (1 is often fastest below ~1000 genes)"),
    EstimatorOption("--random-state", "random_state", "seed, for reproducible networks"),
)

#: The demo's estimator options, and its defaults where they differ from the estimator's.
_DEMO_OPTIONS = (
    EstimatorOption("--max-epochs", "max_epochs", "epochs, as in the reference"),
    EstimatorOption("--pruning-interval", "pruning__interval",
                    "epochs between pruning events, and without improvement before the first"),
    EstimatorOption("--sparsity", "sparsity", "target sparsity, or 'auto' for a checkpoint of any sparsity"),
    EstimatorOption("--hidden-units", "hidden_units", ""),
    EstimatorOption("--n-threads", "n_threads", "torch threads; 1 is the fastest for SIM350's small matrices"),
    EstimatorOption("--random-state", "random_state", "seed of the data and the fit"),
)
_DEMO_DEFAULTS = {"sparsity": 0.95, "n_threads": 1, "random_state": 0}
#: The perturb options that reset a parameter of the loaded model.
_PERTURB_OPTIONS = (EstimatorOption("--n-threads", "n_threads", "torch threads; default: the model's setting"),)


class _CommandParser(argparse.ArgumentParser):
    """A command's parser that adds its estimator options when it is first used.

    The options are derived from the estimator's constraints, and the module
    that defines them imports torch: deferring them keeps ``skdash --help``,
    ``--version`` and the other commands free of it.
    """

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._deferred = []

    def defer(self, add_options):
        """Call ``add_options(self)`` before the first parse or help."""
        self._deferred.append(add_options)

    def _add_deferred(self):
        while self._deferred:
            self._deferred.pop(0)(self)

    def parse_known_args(self, args=None, namespace=None):
        self._add_deferred()
        return super().parse_known_args(args, namespace)

    def format_usage(self):
        self._add_deferred()
        return super().format_usage()

    def format_help(self):
        self._add_deferred()
        return super().format_help()


def _estimator_options(options, defaults=None):
    def add(parser):
        from ._estimator import DASHRegulatoryEstimator

        group = parser.add_argument_group("model options (DASHRegulatoryEstimator parameters)")
        add_estimator_options(group, options, DASHRegulatoryEstimator, _parameter_groups(), defaults)
    return add


# --------------------------------------------------------------------------
# Parser
# --------------------------------------------------------------------------
def build_parser():
    """The argparse parser of the ``skdash`` command.

    Returns
    -------
    parser : argparse.ArgumentParser

    Examples
    --------
    >>> from skdash.cli import build_parser
    >>> args = build_parser().parse_args(["fit", "x.csv", "--out", "net.tsv", "--sparsity", "0.9"])
    >>> args.command, args.sparsity, args.prior
    ('fit', 0.9, None)
    """
    from . import __version__

    parser = argparse.ArgumentParser(
        prog="skdash",
        description="Gene regulatory network inference with a DASH-pruned PHOENIX Neural ODE.",
        epilog="Run 'skdash COMMAND --help' for the options of a command.",
    )
    parser.add_argument("--version", action="version", version=f"skdash {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_CommandParser)
    commands.required = True

    demo = commands.add_parser(
        "demo", help="fit DASH on simulated SIM350 data and score it against the true network",
        description="Simulate SIM350 (350 genes, 550 true edges), fit DASH with the true network as "
                    "prior, print network scores against the truth and the test forecast error, and "
                    "optionally write the network and a figure. The defaults are the reference "
                    "schedule's amounts (prune 70%, then 10% every 10 epochs), begun once the "
                    "dense model stops improving and stopped at the paper's headline sparsity of "
                    "0.95; a fit takes about a minute on a laptop CPU.",
    )
    demo.add_argument("--out", metavar="DIR", type=Path, default=Path("skdash-demo"),
                      help="folder for network.tsv and demo.png, created if needed (default: "
                           "skdash-demo in the current folder)")
    demo.add_argument("--noise", type=_bounded(float, 0.0), default=0.05,
                      help="noise level, Gaussian sd = noise / 2 (default: 0.05)")
    demo.add_argument("--prior-corruption", type=_bounded(float, 0.0, 1.0), default=0.0,
                      help="fraction of prior edges moved to wrong places (default: 0)")
    demo.add_argument("--n-trajectories", type=_bounded(int, 2), default=150,
                      help="training trajectories of 5 time points (default: 150, as in the papers)")
    demo.add_argument("--n-test-trajectories", type=_bounded(int, 1), default=20,
                      help="noise-free test trajectories (default: 20)")
    demo.add_argument("-q", "--quiet", action="store_true", help="no progress report")
    demo.defer(_estimator_options(_DEMO_OPTIONS, _DEMO_DEFAULTS))

    fit = commands.add_parser(
        "fit", help="infer a network from a CSV/TSV expression table",
        description="Fit DASH to time-series expression and write the inferred network.",
        epilog=_FIT_EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    fit.add_argument("expression", metavar="EXPR", type=Path, help="expression table (CSV/TSV, long format)")
    fit.add_argument("--prior", metavar="PRIOR", type=Path,
                     help="prior network (matrix or edge list); without it, pruning is data-driven")
    fit.add_argument("--out", metavar="NETWORK.tsv", required=True,
                     help="where to write the network ('-': standard output)")
    fit.add_argument("--time-column", default="time", help="name of the time column (default: time)")
    fit.add_argument("--trajectory-column", default="trajectory",
                     help="name of the trajectory column (default: trajectory)")
    fit.add_argument("--single-trajectory", action="store_true",
                     help="all rows form one time course (no trajectory column)")
    fit.add_argument("--scale", choices=("none", "minmax"), default="none",
                     help="rescale each gene to [0, 1] before fitting; the model expects expression "
                          "roughly on that scale (default: none)")
    fit.add_argument("--bootstrap", metavar="N", type=_bounded(int, 2), default=None,
                     help="fit N models on resampled trajectories (skdash.StabilitySelection) and write "
                          "each edge's confidence (fraction of the models that keep it) and sign; the "
                          "network is the edges at least half of them keep")
    fit.add_argument("--jobs", type=_bounded(int, 1), default=None,
                     help="models trained at a time: the candidate prior-loss weights of one fit (see "
                          "--prior-loss-weight), or with --bootstrap the members (default: 1)")
    fit.add_argument("--top-k", type=_bounded(int, 1), default=None, help="write only the K strongest edges")
    fit.add_argument("--threshold", type=_bounded(float, 0.0), default=None,
                     help="write only edges with |weight| >= THRESHOLD")
    fit.add_argument("-v", "--verbose", action="count", default=0,
                     help="report progress (-vv: one line per epoch as well)")
    fit.add_argument("--save-model", metavar="MODEL", type=Path, default=None,
                     help="also save the fitted model (weights-only format, see skdash.save_model), e.g. "
                          "for 'skdash perturb'")
    fit.defer(_estimator_options(_FIT_OPTIONS))
    _add_perturb_parser(commands)
    parser.command_parsers = commands.choices  # for messages in the words of each command's flags
    return parser


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------
def _info(message):
    print(message, file=sys.stderr, flush=True)


def _one_step_errors(estimator, X, t, trajectory):
    """MSE and R^2 of the one-step forecasts: the same forecasts as ``score`` and ``forecast_mse``."""
    from .metrics import forecast_mse

    return forecast_mse(estimator, X, t=t, trajectory=trajectory), estimator.score(X, t=t, trajectory=trajectory)


def _demo_figure(estimator, data, path):
    try:
        import matplotlib
    except ImportError:
        _info("matplotlib is not installed, so no figure was drawn (pip install 'skdash[plot]').")
        return
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from .plotting import plot_network, plot_pruning_path, plot_trajectories

    figure, axes = plt.subplot_mosaic([["path", "network"], ["trajectories", "network"]],
                                      figsize=(14, 9), layout="constrained")
    plot_pruning_path(estimator, ax=axes["path"])
    plot_network(estimator, top_k=40, ax=axes["network"])
    shown = list(np.unique(data.trajectory_test)[:2])
    plot_trajectories(estimator, data.X_test, data.t_test, data.trajectory_test, trajectories=shown,
                      ax=axes["trajectories"])
    figure.suptitle("skdash demo on SIM350")
    figure.savefig(path, dpi=110)
    plt.close(figure)
    _info(f"wrote {path}")


def run_demo(args):
    from . import DASHRegulatoryEstimator
    from .datasets import make_sim350
    from .io import write_network
    from .metrics import network_scores

    try:
        args.out.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise BadInput(f"cannot create the output folder '{args.out}': {error}") from None
    _info(f"Simulating SIM350: 350 genes, 550 true edges, {args.n_trajectories} training and "
          f"{args.n_test_trajectories} test trajectories, noise {args.noise:g} ...")
    data = make_sim350(noise=args.noise, prior_corruption=args.prior_corruption,
                       n_trajectories=args.n_trajectories, n_test_trajectories=args.n_test_trajectories,
                       as_frame=True, random_state=args.random_state)
    estimator = DASHRegulatoryEstimator(prior=data.prior, verbose=0 if args.quiet else 1,
                                        **estimator_params(args, _DEMO_OPTIONS, _parameter_groups()))
    prior_text = "the true network" if args.prior_corruption == 0 else \
        f"the true network with {args.prior_corruption:.0%} of its edges moved"
    _info(f"Fitting DASH ({estimator.max_epochs} epochs at most) with {prior_text} as prior ...")
    started = time.perf_counter()
    estimator.fit(data.X, t=data.t, trajectory=data.trajectory)
    seconds = time.perf_counter() - started
    scores = network_scores(data.network, estimator.edge_scores_, estimator.adjacency_)
    mse, r2 = _one_step_errors(estimator, data.X_test, data.t_test, data.trajectory_test)
    print(f"Fitted in {seconds:.1f} s: {estimator.n_iter_} epochs, kept epoch {estimator.best_epoch_}.")
    print("Network against the true SIM350 network (off-diagonal pairs):")
    rows = [
        ("balanced accuracy", f"{scores['balanced_accuracy']:.3f}"),
        ("sparsity", f"{estimator.sparsity_:.3f}"),
        ("AUROC", f"{scores['auroc']:.3f}"),
        ("AUPR", f"{scores['aupr']:.3f}"),
        ("early precision", f"{scores['early_precision']:.3f}"),
        ("precision", f"{scores['precision']:.3f}"),
        ("recall", f"{scores['recall']:.3f}"),
        ("F1", f"{scores['f1']:.3f}"),
        ("predicted edges", f"{scores['n_predicted_edges']}"),
    ]
    for name, value in rows:
        print(f"  {name:<20}{value:>10}")
    print("Forecasts of the noise-free test trajectories, one snapshot ahead:")
    print(f"  {'MSE':<20}{mse:>10.2e}")
    print(f"  {'R^2':<20}{r2:>10.3f}")
    network_path = args.out / "network.tsv"
    with _reported_as_bad_input(OSError):
        n_edges = write_network(estimator.get_network(), network_path, extra_columns=("score",))
    _info(f"wrote {network_path} ({n_edges} edges)")
    _demo_figure(estimator, data, args.out / "demo.png")
    return 0


@contextlib.contextmanager
def _reported_as_bad_input(*errors):
    """Turn the given exception types into BadInput (one-line message, exit status 2)."""
    try:
        yield
    except errors as error:
        raise BadInput(str(error)) from error


def run_fit(args):
    from .io import read_expression, read_prior, write_network

    out = None if args.out == "-" else Path(args.out)
    if out is not None and (out.is_dir() or not out.parent.is_dir()):
        raise BadInput(f"cannot write the network to '{out}': "
                       + ("it is a folder" if out.is_dir() else f"the folder '{out.parent}' does not exist"))
    trajectory_column = None if args.single_trajectory else args.trajectory_column
    with _reported_as_bad_input(ValueError, TypeError, OSError):
        X, t, trajectory = read_expression(args.expression, time_column=args.time_column,
                                           trajectory_column=trajectory_column)
        prior = None if args.prior is None else read_prior(args.prior, list(X.columns))
    n_trajectories = 1 if trajectory is None else len(np.unique(trajectory.astype(str)))
    _info(f"Read {X.shape[1]} genes, {X.shape[0]} snapshots in {n_trajectories} trajector"
          f"{'y' if n_trajectories == 1 else 'ies'}"
          + ("" if prior is None else f"; prior with {int(np.count_nonzero(prior.to_numpy()))} edges") + ".")
    if args.scale == "minmax":
        low, high = X.min(axis=0), X.max(axis=0)
        X = (X - low) / (high - low).where(high > low, 1.0)

    from . import DASHRegulatoryEstimator, StabilitySelection

    if args.bootstrap is not None and args.save_model is not None:
        raise BadInput("--save-model saves a single model; with --bootstrap there are several (drop one of them)")
    if args.bootstrap is not None and args.threshold is not None:
        raise BadInput("--threshold filters a single model's |weight|; with --bootstrap the network is chosen by "
                       "confidence (use --top-k to shorten it)")
    single = args.bootstrap is None
    estimator = DASHRegulatoryEstimator(prior=prior, verbose=args.verbose if single else 0,
                                        n_jobs=args.jobs if single else None,
                                        **estimator_params(args, _FIT_OPTIONS, _parameter_groups()))
    model = estimator if single else StabilitySelection(
        estimator, n_estimators=args.bootstrap, n_jobs=args.jobs, random_state=estimator.random_state,
        verbose=args.verbose)
    started = time.perf_counter()
    with _reported_as_bad_input(ValueError):  # the estimator rejects the data or the settings
        model.fit(X, t=t, trajectory=trajectory)
    if single:
        edges = estimator.get_network(top_k=args.top_k, threshold=args.threshold)
        _info(f"Fitted in {time.perf_counter() - started:.1f} s: {estimator.n_iter_} epochs, kept epoch "
              f"{estimator.best_epoch_}, sparsity {estimator.sparsity_:.3f}.")
    else:
        edges = model.get_network(top_k=args.top_k)
        _info(f"Fitted {args.bootstrap} models in {time.perf_counter() - started:.1f} s.")
    with _reported_as_bad_input(OSError):
        n_edges = write_network(edges, args.out,
                                extra_columns=("score",) if args.bootstrap is None else ("confidence",))
    if out is not None:
        _info(f"wrote {out} ({n_edges} edges)")
    if args.save_model is not None:
        from . import save_model

        with _reported_as_bad_input(OSError):
            save_model(estimator, args.save_model)
        _info(f"wrote {args.save_model}")
    return 0


def run_perturb(args):
    from . import load_model

    perturbations = [(gene, 0.0) for gene in args.knockout] + list(args.force)
    if not perturbations:
        raise BadInput("nothing to perturb: give --knockout G1,G2 and/or --force G=LEVEL,...")
    out = None if args.out == "-" else Path(args.out)
    if out is not None and (out.is_dir() or not out.parent.is_dir()):
        raise BadInput(f"cannot write the effects to '{out}': "
                       + ("it is a folder" if out.is_dir() else f"the folder '{out.parent}' does not exist"))
    try:
        estimator = load_model(args.model, device="cpu")
    except OSError as error:
        raise BadInput(f"cannot read the model '{args.model}': {error}") from error
    except (ValueError, RuntimeError, pickle.UnpicklingError) as error:  # what torch.load raises on other files
        raise BadInput(f"'{args.model}' is not a skdash model file (written by 'skdash fit --save-model').") \
            from error
    estimator.set_params(**estimator_params(args, _PERTURB_OPTIONS, _parameter_groups()))
    genes, levels = [gene for gene, _ in perturbations], [level for _, level in perturbations]
    with _reported_as_bad_input(ValueError, TypeError, AttributeError):
        effects = estimator.perturbation_effects(genes=genes, value=levels, horizon=args.horizon)
    table = effects.rename_axis(index="perturbed", columns="target").stack().rename("shift").reset_index()
    table.insert(1, "level", np.repeat(levels, effects.shape[1]))
    order = np.lexsort((-table["shift"].abs().to_numpy(), np.repeat(np.arange(len(genes)), effects.shape[1])))
    table = table.iloc[order]
    with _reported_as_bad_input(OSError):
        if out is None:
            sys.stdout.write(table.to_csv(sep="\t", index=False))
            sys.stdout.flush()
        else:
            table.to_csv(out, sep="\t", index=False)
    if out is not None:
        _info(f"wrote {out} ({len(genes)} perturbations x {effects.shape[1]} targets)")
    return 0


# --------------------------------------------------------------------------
# Entry point
# --------------------------------------------------------------------------
def _as_flags(message, command_help):
    """``message`` with the Python parameter names it mentions written as this command's flags.

    The reading functions and the estimator name their parameters
    (``time_column``, ``pruning__rate``); at the command line the user set
    ``--time-column``, ``--pruning-rate``.
    """
    def flag(match):
        option = "--" + re.sub("_+", "-", match.group(0))
        return option if re.search(re.escape(option) + r"\b", command_help) else match.group(0)

    return re.sub(r"\b[a-z]+(?:__?[a-z]+)+\b", flag, message)


def _show_warning(message, category, filename, lineno, file=None, line=None):
    print(f"skdash: warning: {message}", file=sys.stderr)


def main(argv=None):
    """Run the ``skdash`` command line.

    Parameters
    ----------
    argv : list of str, default=None
        Arguments without the program name; ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    status : int
        0 on success, 2 for usage errors and bad input, 1 for unexpected
        failures (also for training that diverged).

    Examples
    --------
    >>> from skdash.cli import main
    >>> main(["fit", "no-such-file.csv", "--out", "network.tsv"])
    2
    """
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exit_:  # --help, --version, usage errors
        return exit_.code if isinstance(exit_.code, int) else EXIT_BAD_INPUT
    command = {"demo": run_demo, "fit": run_fit, "perturb": run_perturb}[args.command]
    prefix = f"skdash {args.command}"
    with warnings.catch_warnings():
        warnings.showwarning = _show_warning
        try:
            return command(args)
        except KeyboardInterrupt:
            _info(f"{prefix}: interrupted")
            return 130
        except BadInput as error:  # unreadable or malformed files, data the estimator rejects
            _info(f"{prefix}: error: {_as_flags(str(error), parser.command_parsers[args.command].format_help())}")
            return EXIT_BAD_INPUT
        except FloatingPointError as error:
            _info(f"{prefix}: training failed: {error}")
            return EXIT_FAILURE
        except Exception:  # an unexpected failure: show everything, it is a bug to report
            _info(f"{prefix}: unexpected error (please report it with the traceback below)")
            traceback.print_exc()
            return EXIT_FAILURE


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
