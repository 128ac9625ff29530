"""Command-line options derived from parameter constraints (skdash._cli_options)."""

import argparse
from numbers import Integral, Real

import pytest
from sklearn.base import BaseEstimator

from skdash._cli_options import EstimatorOption, add_estimator_options, describe, estimator_params, parser_for
from skdash._compat import Interval, StrOptions
from skdash.pruning import PruningSchedule


class _Stepper(BaseEstimator):
    """A stand-in for another parameter object (such as a solver) with its own constraints."""

    _parameter_constraints = {"method": [StrOptions({"rk4", "dopri5"})],
                              "rtol": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, method="rk4", rtol=1e-5):
        self.method = method
        self.rtol = rtol


class _Model(BaseEstimator):
    _parameter_constraints = {
        "size": [Interval(Integral, 1, None, closed="left")],
        "weight": [Interval(Real, 0, 1, closed="both"), tuple, None],
        "mode": [Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})],
        "pruning": [PruningSchedule, None],
        "stepper": [_Stepper, None],
        "random_state": ["random_state"],
        "flag": ["boolean"],
    }

    def __init__(self, size=4, weight=None, mode="auto", pruning=None, stepper=None, random_state=None, flag=True):
        self.size, self.weight, self.mode = size, weight, mode
        self.pruning, self.stepper, self.random_state, self.flag = pruning, stepper, random_state, flag


GROUPS = {"pruning": PruningSchedule, "stepper": _Stepper}
OPTIONS = (
    EstimatorOption("--size", "size", "units"),
    EstimatorOption("--weight", "weight", "", items=("IN", "OUT")),
    EstimatorOption("--mode", "mode", ""),
    EstimatorOption("--pruning-rate", "pruning__rate", ""),
    EstimatorOption("--pruning-start", "pruning__start", ""),
    EstimatorOption("--stepper-method", "stepper__method", ""),
    EstimatorOption("--stepper-rtol", "stepper__rtol", ""),
    EstimatorOption("--random-state", "random_state", ""),
)


def make_parser(defaults=None):
    parser = argparse.ArgumentParser(prog="test", exit_on_error=False)
    add_estimator_options(parser, OPTIONS, _Model, GROUPS, defaults)
    return parser


def params(argv, defaults=None):
    return estimator_params(make_parser(defaults).parse_args(argv), OPTIONS, GROUPS)


def test_only_given_options_are_passed_and_group_options_build_their_object():
    assert params([]) == {}
    given = params(["--size", "7", "--mode", "0.5", "--random-state", "3"])
    assert given == {"size": 7, "mode": 0.5, "random_state": 3}
    built = params(["--pruning-rate", "0.3", "--stepper-method", "dopri5", "--stepper-rtol", "1e-3"])
    assert built["pruning"] == PruningSchedule(rate=0.3)  # the other parameters at their defaults
    assert built["stepper"].get_params() == {"method": "dopri5", "rtol": 1e-3}
    assert params([], defaults={"size": 2}) == {"size": 2}  # a command's own default is passed


@pytest.mark.parametrize("constraints, text, value", [
    ([Interval(Integral, 1, None, closed="left")], "3", 3),
    ([Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})], "auto", "auto"),
    ([Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})], "0.25", 0.25),
    ([Interval(Real, 0, 1, closed="both"), tuple, None], "0.5,0.05", (0.5, 0.05)),
    ([Interval(Real, 0, 1, closed="both"), tuple, None], "1", 1.0),
    (["random_state"], "4294967295", 4294967295),
])
def test_values_the_constraints_accept(constraints, text, value):
    assert parser_for(constraints, "p", items=("A", "B"))(text) == value


@pytest.mark.parametrize("constraints, text, message", [
    ([Interval(Integral, 1, None, closed="left")], "0", "expected a value >= 1; got '0'"),
    ([Interval(Integral, 1, None, closed="left")], "1.5", "expected an integer; got '1.5'"),
    ([Interval(Real, 0, None, closed="neither")], "x", "expected a number; got 'x'"),
    ([Interval(Real, 0, 1, closed="left"), StrOptions({"auto"})], "1", "expected 'auto' or a number in [0, 1)"),
    ([Interval(Real, 0, 1, closed="both"), tuple, None], "0.5,2", "or A,B, each a number in [0, 1]; got"),
    ([Interval(Real, 0, 1, closed="both"), tuple, None], "0.1,0.2,0.3", "or A,B, each"),
    (["random_state"], "-1", "expected an integer in [0, 4294967295]"),
    ([StrOptions({"rk4", "dopri5"})], "euler", "expected 'dopri5' or 'rk4'; got 'euler'"),
])
def test_values_the_constraints_reject(constraints, text, message):
    with pytest.raises(argparse.ArgumentTypeError) as error:
        parser_for(constraints, "p", items=("A", "B"))(text)
    assert message in str(error.value)


def test_help_shows_what_the_constraints_allow_and_the_defaults():
    text = make_parser().format_help()
    assert "units (a value >= 1; default: 4)" in text
    assert "(a number in [0, 1); default: 0.1)" in text  # --pruning-rate, from PruningSchedule
    assert "('converged' or a value >= 1; default: converged)" in text  # --pruning-start
    assert "--pruning-rate RATE" in text and "--size SIZE" in text
    assert describe(_Model._parameter_constraints["weight"], "weight", ("IN", "OUT")) == \
        "a number in [0, 1] or IN,OUT, each a number in [0, 1]"
    assert describe(_Model._parameter_constraints["weight"], "weight") == "a number in [0, 1]"


def test_a_constraint_without_a_command_line_form_is_refused():
    parser = argparse.ArgumentParser()
    with pytest.raises(TypeError, match="'flag'"):
        add_estimator_options(parser, [EstimatorOption("--flag", "flag", "")], _Model, GROUPS)
