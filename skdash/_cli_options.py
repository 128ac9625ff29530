"""Command-line options derived from scikit-learn parameter constraints.

The estimator's ``_parameter_constraints`` (and those of its parameter objects,
such as :class:`~skdash.pruning.PruningSchedule`) say what each parameter
accepts.  The command line reads the same constraints to type, bound and
describe its options, so a constraint is written once.  An option names its
parameter as the estimator does, ``"max_epochs"``, or, for a parameter of a
parameter object, as ``GridSearchCV`` does, ``"pruning__rate"``; the options of
one object build that object.

scikit-learn is imported only when options are derived, so that importing the
command line stays fast (``skdash --version``).
"""

import argparse
from numbers import Integral
from typing import NamedTuple

#: What numpy accepts as a seed, for the "random_state" constraint: (low, high), both included.
_SEED_RANGE = (0, 2**32 - 1)


class EstimatorOption(NamedTuple):
    """A command-line option that sets an estimator parameter.

    ``items`` names the elements of a tuple value (``("LAMBDA_IN", "LAMBDA_OUT")``)
    for a parameter whose constraints accept tuples; without it only single
    values are offered.
    """

    flag: str
    parameter: str
    help: str
    metavar: str = None
    items: tuple = None


def _number(value):
    return str(value) if isinstance(value, Integral) else f"{value:g}"


def _describe_interval(interval):
    if interval.left is not None and interval.right is not None:
        low = "[" if interval.closed in ("left", "both") else "("
        high = "]" if interval.closed in ("right", "both") else ")"
        kind = "an integer" if interval.type is Integral else "a number"
        return f"{kind} in {low}{_number(interval.left)}, {_number(interval.right)}{high}"
    if interval.left is not None:
        return f"a value {'>=' if interval.closed in ('left', 'both') else '>'} {_number(interval.left)}"
    if interval.right is not None:
        return f"a value {'<=' if interval.closed in ('right', 'both') else '<'} {_number(interval.right)}"
    return "an integer" if interval.type is Integral else "a number"


def _command_line_forms(constraints, parameter):
    """The string options and the intervals of ``constraints``; None and tuples are not read here."""
    from ._compat import Interval, StrOptions

    strings, intervals = [], []
    for constraint in constraints:
        if constraint == "random_state":
            intervals.append(Interval(Integral, *_SEED_RANGE, closed="both"))
        elif isinstance(constraint, StrOptions):
            strings.extend(sorted(constraint.options))
        elif isinstance(constraint, Interval):
            intervals.append(constraint)
        elif constraint is None or constraint in (tuple, list):
            continue  # None is the default when the option is left out; tuples need EstimatorOption.items
        else:
            raise TypeError(f"No command-line form for the constraint {constraint!r} of {parameter!r}.")
    if not strings and not intervals:
        raise TypeError(f"No command-line form for the constraints {constraints!r} of {parameter!r}.")
    return strings, intervals


def describe(constraints, parameter, items=None):
    """What an option for ``parameter`` accepts, in words (``"'auto' or a number in [0, 1)"``)."""
    strings, intervals = _command_line_forms(constraints, parameter)
    forms = [repr(text) for text in strings] + [_describe_interval(interval) for interval in intervals]
    if items and tuple in constraints:
        forms.append(f"{','.join(items)}, each {' or '.join(_describe_interval(i) for i in intervals)}")
    return " or ".join(forms)


def parser_for(constraints, parameter, items=None):
    """An argparse ``type`` that accepts what ``constraints`` allow and rejects the rest with a message.

    Parameters
    ----------
    constraints : list
        scikit-learn parameter constraints: ``Interval``, ``StrOptions``,
        ``"random_state"``, None and, with ``items``, ``tuple``.
    parameter : str
        Parameter name, for messages about unsupported constraints.
    items : tuple of str, default=None
        Names of the elements of a comma-separated tuple value.

    Returns
    -------
    parse : callable
        Turns the option's text into the value, or raises
        ``argparse.ArgumentTypeError``.
    """
    strings, intervals = _command_line_forms(constraints, parameter)
    accepts_items = bool(items) and tuple in constraints
    expected = describe(constraints, parameter, items)
    # a single numeric range keeps the two-step messages: the kind first, then the bounds
    single_interval = len(intervals) == 1 and not strings and not accepts_items

    def number(text):
        for interval in intervals:
            kind = int if interval.type is Integral else float
            try:
                value = kind(text)
            except ValueError:
                continue
            if interval.is_satisfied_by(value):
                return value
            if single_interval:
                raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}")
        if single_interval:
            kind = "an integer" if intervals[0].type is Integral else "a number"
            raise argparse.ArgumentTypeError(f"expected {kind}; got {text!r}")
        raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}")

    def parse(text):
        if text in strings:
            return text
        if accepts_items and "," in text:
            parts = text.split(",")
            try:
                if len(parts) == len(items):
                    return tuple(number(part) for part in parts)
            except argparse.ArgumentTypeError:
                pass
            raise argparse.ArgumentTypeError(f"expected {expected}; got {text!r}")
        return number(text)

    return parse


def _split(parameter):
    group, _, member = parameter.partition("__")
    return (group, member) if member else (None, parameter)


def add_estimator_options(parser, options, estimator_class, groups, defaults=None):
    """Add ``options`` to ``parser``, typed from the constraints of the parameters they set.

    Parameters
    ----------
    parser : argparse.ArgumentParser or argument group
    options : sequence of EstimatorOption
    estimator_class : type
        Estimator with ``_parameter_constraints``; its defaults are shown in the help.
    groups : dict
        Parameter name -> class of the parameter object that the
        ``"name__member"`` options build (e.g. ``{"pruning": PruningSchedule}``).
    defaults : dict, default=None
        Parameter -> this command's default, where it differs from the
        estimator's.  Left-out options without one are not passed to the
        estimator at all, so its own defaults apply.
    """
    defaults = defaults or {}
    estimator_defaults = estimator_class().get_params(deep=False)
    for option in options:
        group, name = _split(option.parameter)
        owner = estimator_class if group is None else groups[group]
        constraints = owner._parameter_constraints[name]
        default = estimator_defaults[name] if group is None else owner().get_params(deep=False)[name]
        default = defaults.get(option.parameter, default)
        facts = describe(constraints, option.parameter, option.items)
        if default is not None:
            facts += f"; default: {default}" if not isinstance(default, tuple) else \
                f"; default: {','.join(map(str, default))}"
        parser.add_argument(option.flag, dest=option.parameter, metavar=option.metavar or name.upper(),
                            type=parser_for(constraints, option.parameter, option.items),
                            default=defaults.get(option.parameter, argparse.SUPPRESS),
                            help=f"{option.help} ({facts})" if option.help else f"({facts})")


def estimator_params(args, options, groups):
    """The estimator parameters set on the command line, parameter objects built from their options.

    Parameters
    ----------
    args : argparse.Namespace
    options : sequence of EstimatorOption
    groups : dict
        As in :func:`add_estimator_options`.

    Returns
    -------
    params : dict
        Keyword arguments for the estimator: only the options given (or with
        a command default); an object such as ``pruning`` only when one of its
        options was given, with its other parameters at their defaults.
    """
    params, members = {}, {}
    for option in options:
        if not hasattr(args, option.parameter):
            continue
        group, name = _split(option.parameter)
        value = getattr(args, option.parameter)
        if group is None:
            params[name] = value
        else:
            members.setdefault(group, {})[name] = value
    for group, values in members.items():
        params[group] = groups[group](**values)
    return params
