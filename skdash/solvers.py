"""ODE solvers for :class:`~skdash.DASHRegulatoryEstimator`: the ``solver`` parameter.

A solver object holds its settings (scikit-learn parameters, so that ``clone``,
``get_params`` and ``GridSearchCV(..., {"solver__max_step": ...})`` work) and,
from the start of a fit, its fit-time state in trailing-underscore attributes.
It integrates the model for training and for every later use of the fitted
model (``score``, ``simulate``, perturbation effects, the reliability check),
and maps numerical failures to what training does with them: a non-finite
training solve is redone with a shorter step where the solver can refine, and
is a :class:`FloatingPointError` otherwise.

* :class:`RK4`: the classical fourth-order Runge-Kutta scheme with a step count
  fixed before each solve (fast, cost known in advance; the default).
* :class:`AdaptiveSolver`: torchdiffeq's adaptive solvers, which control the
  error to ``rtol``/``atol``.

The estimator also accepts a method name as shorthand: ``solver="rk4"`` means
``RK4()`` and ``solver="dopri5"`` means ``AdaptiveSolver("dopri5")``, each with
its defaults.

Examples
--------
>>> from skdash.solvers import RK4, AdaptiveSolver
>>> RK4(max_step=0.75)
RK4(max_step=0.75)
>>> AdaptiveSolver("bosh3", rtol=1e-6).get_params()
{'atol': 1e-07, 'method': 'bosh3', 'rtol': 1e-06}
"""

from numbers import Real

from sklearn.base import BaseEstimator, clone

from ._compat import Interval, StrOptions
from ._integrate import (ADAPTIVE_SOLVERS, FIXED_STEP_SOLVERS, adaptive_trajectories, adaptive_transitions,
                         rk4_trajectories, rk4_transitions)

__all__ = ["RK4", "AdaptiveSolver"]

#: Halvings of the fixed step allowed before a non-finite batch counts as divergence.
MAX_STEP_REFINEMENTS = 8
#: Method names the estimator's ``solver`` parameter accepts as shorthand.
METHODS = FIXED_STEP_SOLVERS + ADAPTIVE_SOLVERS

_NOT_FINITE = "The loss or its gradient is not finite."


class _Solver(BaseEstimator):
    """What the estimator and the training loop need from a solver."""

    def start_fit(self):
        """Reset the fit-time state; called once when a fit starts.  Returns self."""
        self._validate_params()
        return self

    def integrate_transitions(self, field, x0, dt):
        """States at the end of each transition.

        Parameters
        ----------
        field : PhoenixField
        x0 : tensor of shape (n_transitions, n_genes)
        dt : tensor of shape (n_transitions,)
            Positive intervals in model time units.

        Returns
        -------
        x1 : tensor of shape (n_transitions, n_genes)
        """
        raise NotImplementedError

    def integrate_trajectories(self, field, x0, times, held=None):
        """States at every time of an increasing grid.

        Parameters
        ----------
        field : PhoenixField
        x0 : tensor of shape (n_starts, n_genes)
        times : tensor of shape (n_times,)
            Strictly increasing, in model time units; ``times[0]`` is the time of ``x0``.
        held : bool tensor of shape (n_genes,) or (n_starts, n_genes), default=None
            Genes with dx/dt = 0, which stay at their value in ``x0`` (a clamp).

        Returns
        -------
        states : tensor of shape (n_times, n_starts, n_genes)
        """
        raise NotImplementedError

    def refine(self):
        """React to a non-finite training solve: shorten the step, or raise FloatingPointError."""
        raise FloatingPointError(_NOT_FINITE)

    def checkpoint(self):
        """The part of the fit-time state that belongs to the current weights (restored with them)."""
        return {}

    def restore(self, state):
        """Restore what :meth:`checkpoint` returned, when training restores those weights."""
        for name, value in state.items():
            setattr(self, name, value)

    def current_max_step(self):
        """The fixed step now in use (NaN for solvers without one); recorded per epoch in ``history_``."""
        return float("nan")


class RK4(_Solver):
    """Fixed-step classical Runge-Kutta (fourth order) with a measured step count.

    Each solve takes ``ceil(longest interval * fastest rate / max_step)`` steps,
    where the fastest rate of change of the model is the largest of 1, its
    fastest relaxation rate ReLU(v) and its stiffness measured on the last
    training batch (see the user guide, "Solvers").

    Parameters
    ----------
    max_step : float, default=1.5
        Largest step, in units of the median sampling interval, before dividing
        by the fastest rate of change of the model.  On a fitted SIM350 model 1.5
        puts the end states within 2e-5 RMS of a tight-tolerance adaptive solve
        (0.75: 1.4e-6); lower it for more accuracy, raise it for speed.

    Attributes
    ----------
    stiffness_ : float
        Largest derivative of the field along the solution measured on the last
        training batch (of the restored checkpoint after a fit); 0 before any.
    max_step_ : float
        The step the fit ended with: ``max_step``, halved once for each training
        batch whose solve or gradient overflowed.  Solves use the shorter of
        ``max_step`` and ``max_step_``, so ``set_params(max_step=...)`` on a
        fitted estimator's ``solver_`` can only shorten the step.
    n_refinements_ : int
        Number of those halvings; after ``MAX_STEP_REFINEMENTS`` (8) a non-finite
        batch is a divergence.

    Examples
    --------
    >>> from skdash import DASHRegulatoryEstimator
    >>> from skdash.solvers import RK4
    >>> DASHRegulatoryEstimator(solver=RK4(max_step=0.75))
    DASHRegulatoryEstimator(solver=RK4(max_step=0.75))
    """

    _parameter_constraints = {"max_step": [Interval(Real, 0, None, closed="neither")]}

    def __init__(self, max_step=1.5):
        self.max_step = max_step

    def start_fit(self):
        super().start_fit()
        self.stiffness_, self.max_step_, self.n_refinements_ = 0.0, float(self.max_step), 0
        return self

    def _step(self):
        return min(self.max_step, getattr(self, "max_step_", self.max_step))

    def _record_stiffness(self, stiffness):
        self.stiffness_ = stiffness

    def integrate_transitions(self, field, x0, dt):
        return rk4_transitions(field, x0, dt, self._step(), getattr(self, "stiffness_", 0.0),
                               record_stiffness=self._record_stiffness)

    def integrate_trajectories(self, field, x0, times, held=None):
        return rk4_trajectories(field, x0, times, self._step(), getattr(self, "stiffness_", 0.0), held)

    def refine(self):
        """Halve the step after a non-finite solve; FloatingPointError after MAX_STEP_REFINEMENTS."""
        if getattr(self, "n_refinements_", 0) >= MAX_STEP_REFINEMENTS:
            raise FloatingPointError(_NOT_FINITE)
        self.max_step_ = self._step() / 2.0
        self.n_refinements_ = getattr(self, "n_refinements_", 0) + 1

    def checkpoint(self):
        # The stiffness was measured on the current weights, so it is saved and
        # restored with them; the refined step is kept for the rest of the fit.
        return {"stiffness_": getattr(self, "stiffness_", 0.0)}

    def current_max_step(self):
        return self._step()


class AdaptiveSolver(_Solver):
    """torchdiffeq's adaptive-step solvers, with the error controlled to ``rtol``/``atol``.

    Gradients are computed by backpropagating through the solver's steps.  A
    failed solve (step size underflow, non-finite state) is a
    :class:`FloatingPointError`, handled like a fixed-step divergence.

    Parameters
    ----------
    method : {"dopri5", "bosh3", "adaptive_heun", "dopri8"}, default="dopri5"
        torchdiffeq method; ``"dopri5"`` (Dormand-Prince 5(4)) is the solver of
        the reference code.
    rtol : float, default=1e-5
        Relative tolerance.
    atol : float, default=1e-7
        Absolute tolerance.

    Examples
    --------
    >>> from skdash import DASHRegulatoryEstimator
    >>> from skdash.solvers import AdaptiveSolver
    >>> DASHRegulatoryEstimator(solver=AdaptiveSolver("dopri5", rtol=1e-6), dtype="float64")
    DASHRegulatoryEstimator(dtype='float64', solver=AdaptiveSolver(rtol=1e-06))
    """

    _parameter_constraints = {
        "method": [StrOptions(set(ADAPTIVE_SOLVERS))],
        "rtol": [Interval(Real, 0, None, closed="neither")],
        "atol": [Interval(Real, 0, None, closed="neither")],
    }

    def __init__(self, method="dopri5", *, rtol=1e-5, atol=1e-7):
        self.method = method
        self.rtol = rtol
        self.atol = atol

    def integrate_transitions(self, field, x0, dt):
        return adaptive_transitions(field, x0, dt, self.method, self.rtol, self.atol)

    def integrate_trajectories(self, field, x0, times, held=None):
        return adaptive_trajectories(field, x0, times, self.method, self.rtol, self.atol, held)


def make_solver(solver):
    """The solver a fit uses: a clone of a solver object, or the one a method name stands for.

    Parameters
    ----------
    solver : str or solver object
        One of ``METHODS`` (that solver with its defaults) or an object with the
        solver methods (a clone is returned, so the parameter is not modified).

    Returns
    -------
    solver : solver object, its fit-time state reset (``start_fit``).
    """
    if isinstance(solver, str):
        if solver in FIXED_STEP_SOLVERS:
            return RK4().start_fit()
        if solver in ADAPTIVE_SOLVERS:
            return AdaptiveSolver(solver).start_fit()
        raise ValueError(f"Unknown solver {solver!r}; expected one of {', '.join(METHODS)} or a solver object.")
    return clone(solver).start_fit()
