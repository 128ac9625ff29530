"""Hill-kinetics gene regulatory networks: equations, simulation and random networks.

This module holds everything the simulators share:

* the Hill activation function used by SIM350;
* a safe parser that turns equation text (``fAct(x, EC50, n)``, ``+``, ``-``,
  ``*``, ``/``, numbers and gene names) into a vectorised right-hand side, without
  ever evaluating the text as Python;
* a batched integrator that solves many trajectories as one stacked system;
* the random network generator behind :func:`make_regulatory_network`;
* :func:`corrupt_prior` and the sampling, noise and validation helpers used by
  both :func:`make_regulatory_network` and :func:`~skdash.datasets.make_sim350`.
"""

import ast
import numbers
import operator

import numpy as np
import pandas as pd
import scipy.sparse as sp
from scipy.integrate import solve_ivp
from sklearn.utils import Bunch

__all__ = ["corrupt_prior", "make_regulatory_network"]

# Initial-state distributions of DESIGN.md section 5 (shared by all simulators).
_INPUT_MEAN_BETA = (10.0, 10.0)
_INPUT_SPREAD_BETA = (15.0, 15.0)
_INPUT_MIN_SD = 0.01
_OTHER_BETA = (2.0, 2.0)
_OTHER_SHIFT = 0.25
# Expression noise is given as a fraction of the half range of [0, 1]: sigma = noise * 0.5.
_NOISE_SCALE = 0.5
# Above this many genes, ``sparse="auto"`` returns prior and network as sparse matrices.
_SPARSE_AUTO_THRESHOLD = 2000


# ---------------------------------------------------------------------------------------
# Validation helpers
# ---------------------------------------------------------------------------------------
def _check_bool(name, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{name} must be a bool, got {value!r} of type {type(value).__name__}.")
    return bool(value)


def _check_int(name, value, min_value):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(
            f"{name} must be an integer, got {value!r} of type {type(value).__name__}."
        )
    if value < min_value:
        raise ValueError(f"{name} must be >= {min_value}, got {value}.")
    return int(value)


def _check_real(name, value, low=None, high=None, *, low_open=False, high_open=False):
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r} of type {type(value).__name__}.")
    value = float(value)
    bad = not np.isfinite(value)
    if low is not None:
        bad = bad or value < low or (low_open and value == low)
    if high is not None:
        bad = bad or value > high or (high_open and value == high)
    if bad:
        left = "(" if low_open else "["
        right = ")" if high_open else "]"
        lo = "-inf" if low is None else low
        hi = "inf" if high is None else high
        raise ValueError(f"{name} must be a finite number in {left}{lo}, {hi}{right}, got {value}.")
    return value


def _check_range(name, value, low, high):
    """Validate a pair ``(a, b)`` with ``low < a <= b < high``."""
    try:
        a, b = value
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a pair (low, high), got {value!r}.") from None
    a = _check_real(f"{name}[0]", a, low, high, low_open=True, high_open=True)
    b = _check_real(f"{name}[1]", b, low, high, low_open=True, high_open=True)
    if a > b:
        raise ValueError(f"{name} must satisfy low <= high, got {value!r}.")
    return a, b


def _check_times(times, name="times"):
    """Return ``times`` as a strictly increasing, finite 1-D float array."""
    if isinstance(times, (str, bytes)):
        raise TypeError(f"{name} must be a 1-D array-like of numbers, got a string.")
    try:
        arr = np.asarray(times, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be a 1-D array-like of numbers, got {times!r}.") from None
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D array-like, got shape {arr.shape}.")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must contain only finite values.")
    if np.any(np.diff(arr) <= 0):
        raise ValueError(f"{name} must be strictly increasing, got {arr.tolist()}.")
    return arr


def _seed_sequence(random_state):
    """A :class:`numpy.random.SeedSequence` for ``random_state`` (see :func:`_check_rng`)."""
    if isinstance(random_state, (bool, np.bool_)):
        raise TypeError(
            "random_state must be None, an int, a Generator or a RandomState, got a bool."
        )
    if random_state is None:
        return np.random.SeedSequence()
    if isinstance(random_state, np.random.SeedSequence):
        return random_state
    if isinstance(random_state, numbers.Integral):
        if random_state < 0:
            raise ValueError(f"random_state must be a non-negative integer, got {random_state}.")
        return np.random.SeedSequence(int(random_state))
    if isinstance(random_state, np.random.Generator):
        return np.random.SeedSequence(random_state.integers(0, 2**63, size=4).tolist())
    if isinstance(random_state, np.random.RandomState):
        return np.random.SeedSequence(random_state.randint(0, 2**31, size=4).tolist())
    raise TypeError(
        "random_state must be None, an int, a numpy Generator, SeedSequence or RandomState, "
        f"got {random_state!r} of type {type(random_state).__name__}."
    )


def _check_rng(random_state):
    """Return a :class:`numpy.random.Generator` for ``random_state``.

    Accepts None, an int, a :class:`numpy.random.SeedSequence`, a
    :class:`numpy.random.Generator` (used as is) or a legacy
    :class:`numpy.random.RandomState` (a seed is drawn from it). The global numpy
    random state is never used.
    """
    if isinstance(random_state, np.random.Generator):
        return random_state
    return np.random.default_rng(_seed_sequence(random_state))


def _spawn_rngs(random_state, n):
    """``n`` independent generators derived from ``random_state``."""
    return [np.random.default_rng(child) for child in _seed_sequence(random_state).spawn(n)]


def _check_sparse_option(sparse, n_genes):
    if isinstance(sparse, str):
        if sparse != "auto":
            raise ValueError(f"sparse must be True, False or 'auto', got {sparse!r}.")
        return n_genes > _SPARSE_AUTO_THRESHOLD
    return _check_bool("sparse", sparse)


# ---------------------------------------------------------------------------------------
# Hill function
# ---------------------------------------------------------------------------------------
def _hill_constants(ec50, n):
    """Return ``k = c / (1 - c)`` with ``c = ec50 ** n`` for :func:`_hill_from_log`."""
    c = np.asarray(ec50, dtype=float) ** np.asarray(n, dtype=float)
    return c / (1.0 - c)


def _log_clipped(x):
    """``log(clip(x, 0, 1))`` (``-inf`` at 0), the argument of :func:`_hill_from_log`."""
    with np.errstate(divide="ignore"):
        return np.log(np.clip(x, 0.0, 1.0))


def _hill_from_log(log_x, n, k):
    """Hill activation from ``log x`` for precomputed ``k``; ``log_x`` is overwritten.

    ``u = exp(n log x) = x**n`` and ``fAct = u / (k + (1 - k) u)``. Going through
    the logarithm lets one ``log`` per gene serve all of its outgoing edges and is
    about twice as fast as :func:`numpy.power`.
    """
    log_x *= n
    u = np.exp(log_x, out=log_x)
    denominator = u * (1.0 - k)
    denominator += k
    u /= denominator
    return u


def _hill_activation(x, ec50, n):
    """SIM350's normalised Hill activation ``fAct(x, EC50, n)``.

    ``fAct(x, EC50, n) = B x**n / (B - 1 + x**n)`` with
    ``B = (EC50**n - 1) / (2 EC50**n - 1)``, so that ``fAct(0) = 0``,
    ``fAct(EC50) = 1/2`` and ``fAct(1) = 1``. It is computed in the equivalent form
    ``u / (k + (1 - k) u)`` with ``u = x**n`` and ``k = EC50**n / (1 - EC50**n)``,
    which has no singularity at ``EC50**n = 1/2`` (where it reduces to ``x**n``).
    ``x`` is clipped to [0, 1], the range on which the kinetics are defined.
    """
    x, ec50, n = np.broadcast_arrays(np.asarray(x, dtype=float), ec50, n)
    return _hill_from_log(np.asarray(_log_clipped(x)), n, _hill_constants(ec50, n))


# ---------------------------------------------------------------------------------------
# Equation parsing and compilation
# ---------------------------------------------------------------------------------------
_BINOPS = {ast.Add: "add", ast.Sub: "sub", ast.Mult: "mul", ast.Div: "div"}
_FOLD = {"add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv}
_UFUNCS = {"add": np.add, "sub": np.subtract, "mul": np.multiply, "div": np.divide}
_INPUT_MARKER = "input gene"


class _EquationError(ValueError):
    pass


class _DAGBuilder:
    """Hash-consed expression graph: equal sub-expressions become one node.

    Node ``i`` is ``(kind, args)`` with kind ``"var"`` (args: gene index),
    ``"const"`` (value), ``"add"``/``"sub"``/``"mul"``/``"div"`` (two node ids) or
    ``"hill"`` (node id, EC50, n). Multiplying or dividing by 1 and adding 0 are
    removed (exact in floating point); constant sub-expressions are folded.
    """

    def __init__(self, n_vars):
        self.nodes = [("var", (i,)) for i in range(n_vars)]
        self._ids = {node: i for i, node in enumerate(self.nodes)}

    def _add(self, kind, args):
        node = (kind, args)
        if node not in self._ids:
            self._ids[node] = len(self.nodes)
            self.nodes.append(node)
        return self._ids[node]

    def const(self, value):
        return self._add("const", (float(value),))

    def value_of(self, i):
        kind, args = self.nodes[i]
        return args[0] if kind == "const" else None

    def binary(self, kind, a, b):
        va, vb = self.value_of(a), self.value_of(b)
        if kind == "div" and vb == 0.0:
            raise _EquationError("division by the constant 0")
        if va is not None and vb is not None:
            return self.const(_FOLD[kind](va, vb))
        if (kind == "mul" and vb == 1.0) or (kind == "div" and vb == 1.0):
            return a
        if kind == "mul" and va == 1.0:
            return b
        if kind in ("add", "sub") and vb == 0.0:
            return a
        if kind == "add" and va == 0.0:
            return b
        if kind in ("add", "mul"):  # commutative and exact: canonical operand order
            a, b = min(a, b), max(a, b)
        return self._add(kind, (a, b))

    def hill(self, a, ec50, n):
        return self._add("hill", (a, float(ec50), float(n)))


def _to_dag(node, builder, var_index):
    """Translate a validated AST node into the DAG; reject everything else."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
            raise _EquationError(f"unsupported constant {node.value!r}")
        if not np.isfinite(node.value):
            raise _EquationError(f"non-finite constant {node.value!r}")
        return builder.const(node.value)
    if isinstance(node, ast.Name):
        if node.id not in var_index:
            raise _EquationError(f"unknown gene or name {node.id!r}")
        return var_index[node.id]
    if isinstance(node, ast.BinOp) and type(node.op) in _BINOPS:
        a = _to_dag(node.left, builder, var_index)
        b = _to_dag(node.right, builder, var_index)
        return builder.binary(_BINOPS[type(node.op)], a, b)
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
        a = _to_dag(node.operand, builder, var_index)
        if isinstance(node.op, ast.UAdd):
            return a
        return builder.binary("sub", builder.const(0.0), a)
    if isinstance(node, ast.Call):
        if not (isinstance(node.func, ast.Name) and node.func.id == "fAct"):
            raise _EquationError("the only function allowed is fAct")
        if node.keywords or len(node.args) != 3:
            raise _EquationError("fAct takes exactly three positional arguments (x, EC50, n)")
        x = _to_dag(node.args[0], builder, var_index)
        params = []
        for label, arg in zip(("EC50", "n"), node.args[1:]):
            value = builder.value_of(_to_dag(arg, builder, var_index))
            if value is None:
                raise _EquationError(f"the {label} argument of fAct must be a number")
            params.append(value)
        ec50, n = params
        if not 0.0 < ec50 < 1.0:
            raise _EquationError(f"fAct needs 0 < EC50 < 1, got {ec50}")
        if not n > 0.0:
            raise _EquationError(f"fAct needs a positive Hill coefficient, got {n}")
        return builder.hill(x, ec50, n)
    raise _EquationError(f"unsupported syntax {type(node).__name__}")


class _HillSystem:
    """A compiled, vectorised right-hand side ``dx/dt = f(x)``.

    The expression graph is evaluated level by level: all nodes of one kind at one
    depth are computed by a single numpy operation over a buffer of shape
    ``(n_nodes, batch)``, so one evaluation costs a few dozen numpy calls whatever
    the number of genes and trajectories.
    """

    def __init__(self, builder, roots, gene_names, input_mask):
        self.gene_names = tuple(gene_names)
        self.input_mask = np.asarray(input_mask, dtype=bool)
        self.n_genes = len(gene_names)
        nodes = builder.nodes
        n_vars = self.n_genes

        # Keep only the nodes that some equation uses.
        used = np.zeros(len(nodes), dtype=bool)
        used[:n_vars] = True
        stack = [r for r in roots if r is not None]
        while stack:
            i = stack.pop()
            if used[i]:
                continue
            used[i] = True
            kind, args = nodes[i]
            if kind in _UFUNCS:
                stack.extend(args)
            elif kind == "hill":
                stack.append(args[0])

        # Depth of every node; ids grow with construction, so children come first.
        level = np.zeros(len(nodes), dtype=int)
        for i, (kind, args) in enumerate(nodes):
            if kind in _UFUNCS:
                level[i] = 1 + max(level[args[0]], level[args[1]])
            elif kind == "hill":
                level[i] = 1 + level[args[0]]

        consts = [i for i in range(n_vars, len(nodes)) if used[i] and nodes[i][0] == "const"]
        ops = [i for i in range(n_vars, len(nodes)) if used[i] and nodes[i][0] != "const"]
        ops.sort(key=lambda i: (level[i], nodes[i][0]))
        order = list(range(n_vars)) + consts + ops
        new_id = {old: new for new, old in enumerate(order)}

        self._n_nodes = len(order)
        self._const_slice = slice(n_vars, n_vars + len(consts))
        self._const_values = np.array([nodes[i][1][0] for i in consts], dtype=float)[:, None]
        self._plan = []
        start = n_vars + len(consts)
        while start < self._n_nodes:
            old = order[start]
            key = (level[old], nodes[old][0])
            stop = start
            while stop < self._n_nodes and (level[order[stop]], nodes[order[stop]][0]) == key:
                stop += 1
            group = [nodes[order[j]][1] for j in range(start, stop)]
            kind = key[1]
            if kind == "hill":
                ec50 = np.array([g[1] for g in group])
                n = np.array([g[2] for g in group])[:, None]
                k = _hill_constants(ec50, n[:, 0])[:, None]
                src = np.array([new_id[g[0]] for g in group])
                self._plan.append((kind, start, stop, src, n, k))
            else:
                a = np.array([new_id[g[0]] for g in group])
                b = np.array([new_id[g[1]] for g in group])
                self._plan.append((kind, start, stop, a, b, None))
            start = stop

        dynamic = [g for g, r in enumerate(roots) if r is not None]
        self._dynamic = np.array(dynamic, dtype=int)
        self._roots = np.array([new_id[roots[g]] for g in dynamic], dtype=int)

    def __call__(self, x):
        """Evaluate ``dx/dt`` for states ``x`` of shape ``(n_genes, batch)``."""
        x = np.asarray(x, dtype=float)
        values = np.empty((self._n_nodes, x.shape[1]))
        values[: self.n_genes] = x
        values[self._const_slice] = self._const_values
        for kind, start, stop, first, second, k in self._plan:
            if kind == "hill":  # first: argument rows, second: Hill coefficients
                values[start:stop] = _hill_from_log(_log_clipped(values[first]), second, k)
            else:
                _UFUNCS[kind](values[first], values[second], out=values[start:stop])
        dxdt = np.zeros_like(x)
        dxdt[self._dynamic] = values[self._roots]
        return dxdt


def _compile_equations(equations, gene_names):
    """Parse and compile one equation per gene into a :class:`_HillSystem`.

    Parameters
    ----------
    equations : mapping of str to str
        ``{gene: equation}``; the text ``"input gene"`` marks a constant gene.
    gene_names : sequence of str
        Order of the state vector. Every name must be a Python identifier.
    """
    gene_names = list(gene_names)
    if set(equations) != set(gene_names):
        missing = sorted(set(gene_names) - set(equations))[:5]
        extra = sorted(set(equations) - set(gene_names))[:5]
        raise ValueError(
            f"The equations must name exactly the genes of the system; missing {missing}, "
            f"unknown {extra}."
        )
    for name in gene_names:
        if not name.isidentifier() or name == "fAct":
            raise ValueError(f"Gene name {name!r} cannot be used in an equation.")
    var_index = {name: i for i, name in enumerate(gene_names)}
    builder = _DAGBuilder(len(gene_names))
    roots, input_mask = [], []
    for name in gene_names:
        text = str(equations[name]).strip()
        if text.lower() == _INPUT_MARKER:
            roots.append(None)
            input_mask.append(True)
            continue
        try:
            tree = ast.parse(text, mode="eval")
            roots.append(_to_dag(tree.body, builder, var_index))
        except (SyntaxError, _EquationError, RecursionError) as exc:
            raise ValueError(f"Invalid equation for gene {name!r}: {exc} in {text!r}.") from None
        input_mask.append(False)
    return _HillSystem(builder, roots, gene_names, input_mask)


# ---------------------------------------------------------------------------------------
# Integration
# ---------------------------------------------------------------------------------------
def _integrate(rhs, x0, times, *, rtol=1e-8, atol=1e-10, held=None):
    """Integrate ``dx/dt = rhs(x)`` from each row of ``x0`` and sample at ``times``.

    ``held``: optional integer indices of genes whose rate is set to zero, so
    they keep their value in ``x0`` (a clamp: knockout or forced expression).

    All trajectories are stacked into one system of ``n_genes * n_trajectories``
    states (gene-major) and solved by one adaptive DOP853 call. The solver's step
    sizes are therefore shared, and a trajectory's values depend on the others in
    the stack at the level of the tolerances (about 1e-8), not beyond.

    Returns an array of shape ``(n_trajectories, len(times), n_genes)``.
    """
    x0 = np.asarray(x0, dtype=float)
    n_traj, n_genes = x0.shape
    out = np.empty((n_traj, times.size, n_genes))
    out[:, 0] = x0
    if times.size == 1 or n_traj == 0:
        return out

    def fun(_, y):
        dxdt = rhs(y.reshape(n_genes, n_traj))
        if held is not None:
            dxdt[held] = 0.0
        return dxdt.ravel()

    sol = solve_ivp(
        fun, (times[0], times[-1]), x0.T.ravel(), method="DOP853", t_eval=times, rtol=rtol, atol=atol
    )
    if not sol.success:  # pragma: no cover - the kinetics are smooth and bounded
        raise RuntimeError(f"The ODE solver failed: {sol.message}")
    out[:] = sol.y.reshape(n_genes, n_traj, times.size).transpose(1, 2, 0)
    out[:, 0] = x0
    return out


def _check_clamp(clamp, gene_names):
    """Column indices and levels of ``clamp`` (mapping gene name or index -> level in [0, 1])."""
    if isinstance(clamp, pd.Series):
        items = list(clamp.items())
    elif isinstance(clamp, dict):
        items = list(clamp.items())
    else:
        raise TypeError(f"clamp must map genes to levels (a dict or a Series), got {type(clamp).__name__}.")
    position = {name: i for i, name in enumerate(gene_names)}
    indices, levels = [], []
    for gene, level in items:
        if isinstance(gene, str):
            if gene not in position:
                raise ValueError(f"clamp names an unknown gene {gene!r}.")
            index = position[gene]
        elif isinstance(gene, numbers.Integral) and not isinstance(gene, (bool, np.bool_)):
            if not 0 <= gene < len(gene_names):
                raise ValueError(f"clamp: gene index {gene} is out of range for {len(gene_names)} genes.")
            index = int(gene)
        else:
            raise TypeError(f"clamp keys must be gene names or integer indices, got {gene!r}.")
        if index in indices:
            raise ValueError(f"clamp names gene {gene_names[index]!r} more than once.")
        indices.append(index)
        # the kinetics are defined on [0, 1] (fAct clips its argument there)
        levels.append(_check_real(f"clamp level of {gene_names[index]!r}", level, 0.0, 1.0))
    return np.asarray(indices, dtype=np.intp), np.asarray(levels, dtype=float)


def _simulate_system(rhs, gene_names, x0, times, *, clamp=None, rtol=1e-8, atol=1e-10, label="the network"):
    """Validate and integrate ``rhs`` from ``x0`` (1-D, 2-D or DataFrame), optionally with a clamp."""
    n_genes = len(gene_names)
    if isinstance(x0, pd.DataFrame):
        missing = [n for n in gene_names if n not in x0.columns]
        if missing:
            raise ValueError(f"x0 lacks {label} genes, e.g. {missing[:3]}.")
        x0 = x0[list(gene_names)]
    x0 = np.array(x0, dtype=float)
    one = x0.ndim == 1
    x0 = np.atleast_2d(x0)
    if x0.ndim != 2 or x0.shape[1] != n_genes:
        raise ValueError(f"x0 must have shape ({n_genes},) or (n_trajectories, {n_genes}), got {x0.shape}.")
    if not np.all(np.isfinite(x0)):
        raise ValueError("x0 must contain only finite values.")
    times = _check_times(times)
    rtol = _check_real("rtol", rtol, 0.0, low_open=True)
    atol = _check_real("atol", atol, 0.0, low_open=True)
    held = None
    if clamp is not None:
        held, levels = _check_clamp(clamp, list(gene_names))
        x0[:, held] = levels
    out = _integrate(rhs, x0, times, rtol=rtol, atol=atol, held=held)
    return out[0] if one else out


# ---------------------------------------------------------------------------------------
# Shared data-set assembly
# ---------------------------------------------------------------------------------------
def _sample_gene_settings(rng, input_mask):
    """Per-gene initial-state settings, drawn once per data set (DESIGN.md section 5)."""
    n_inputs = int(input_mask.sum())
    mean = rng.beta(*_INPUT_MEAN_BETA, size=n_inputs)
    spread = rng.beta(*_INPUT_SPREAD_BETA, size=n_inputs)
    sd = np.maximum(spread * np.minimum(mean, 1.0 - mean) / 3.0, _INPUT_MIN_SD)
    shift = rng.uniform(-_OTHER_SHIFT, _OTHER_SHIFT, size=input_mask.size - n_inputs)
    return {"input_mask": input_mask, "input_mean": mean, "input_sd": sd, "shift": shift}


def _sample_initial_states(rng, settings, n_trajectories):
    """Initial states, shape ``(n_trajectories, n_genes)``, for given gene settings."""
    mask = settings["input_mask"]
    x0 = np.empty((n_trajectories, mask.size))
    mean, sd = settings["input_mean"], settings["input_sd"]
    inputs = rng.normal(mean, sd, size=(n_trajectories, mean.size))
    for _ in range(1000):  # rejection into [0, 1]; rarely needed at all
        bad = (inputs < 0.0) | (inputs > 1.0)
        if not bad.any():
            break
        cols = np.nonzero(bad)[1]
        inputs[bad] = rng.normal(mean[cols], sd[cols])
    x0[:, mask] = np.clip(inputs, 0.0, 1.0)
    other = rng.beta(*_OTHER_BETA, size=(n_trajectories, settings["shift"].size))
    x0[:, ~mask] = np.clip(other + settings["shift"], 0.0, 1.0)
    return x0


def _long_format(trajectories, first_id):
    """Stack ``(n_traj, n_times, n_genes)`` into rows, trajectory-major then time."""
    n_traj, n_times, n_genes = trajectories.shape
    X = trajectories.reshape(n_traj * n_times, n_genes)
    trajectory = np.repeat(np.arange(first_id, first_id + n_traj), n_times)
    return X, trajectory


def _simulate_dataset(
    rhs, input_mask, rngs, *, n_trajectories, n_test_trajectories, times, sigma
):
    """Draw initial states, integrate and add noise; returns the data part of a Bunch.

    ``rngs`` holds four independent generators: gene settings, training initial
    states, test initial states and noise. Keeping them separate means that, for
    one seed, the noise level, the prior corruption and the number of test
    trajectories do not change the noise-free training data.
    """
    settings = _sample_gene_settings(rngs[0], input_mask)
    x0 = _sample_initial_states(rngs[1], settings, n_trajectories)
    x0_test = _sample_initial_states(rngs[2], settings, n_test_trajectories)
    # Two solves, so that the number of test trajectories cannot change the solver's
    # steps (and so the last digits) of the training trajectories, and vice versa.
    X, trajectory = _long_format(_integrate(rhs, x0, times), 0)
    X_test, trajectory_test = _long_format(_integrate(rhs, x0_test, times), n_trajectories)
    if sigma > 0:
        X = X + rngs[3].normal(0.0, sigma, size=X.shape)
    return {
        "X": X,
        "t": np.tile(times, n_trajectories),
        "trajectory": trajectory,
        "X_test": X_test,
        "t_test": np.tile(times, n_test_trajectories),
        "trajectory_test": trajectory_test,
    }


def _gene_matrix_frame(matrix, gene_names):
    """A gene-by-gene matrix as a DataFrame: index = regulators, columns = targets."""
    return pd.DataFrame(
        matrix, index=pd.Index(gene_names, name="regulator"),
        columns=pd.Index(gene_names, name="target"),
    )


def _as_frames(bunch, gene_names):
    """Turn the arrays of a data set into DataFrames and add ``frame`` (``as_frame=True``)."""
    columns = pd.Index(gene_names, name="gene")
    for key in ("X", "X_test"):
        if key in bunch:
            bunch[key] = pd.DataFrame(bunch[key], columns=columns)
    for key in ("prior", "network"):
        if key in bunch and not sp.issparse(bunch[key]):
            bunch[key] = _gene_matrix_frame(bunch[key], gene_names)
    frame = bunch["X"].copy()
    frame.insert(0, "time", bunch["t"])
    frame.insert(0, "trajectory", bunch["trajectory"])
    bunch["frame"] = frame
    return bunch


# ---------------------------------------------------------------------------------------
# Prior corruption
# ---------------------------------------------------------------------------------------
def _sample_new_positions(occupied_keys, n, n_move, rng):
    """Draw ``n_move`` distinct off-diagonal flat positions not in ``occupied_keys``.

    ``occupied_keys`` is a sorted array of flat indices ``i * n + j``.
    """
    n_free = n * (n - 1) - occupied_keys.size
    if n_move > n_free:
        raise ValueError(
            f"Cannot move {n_move} edges: the prior has only {n_free} empty off-diagonal positions."
        )
    if n_move == 0:
        return np.empty(0, dtype=np.int64)
    if n * n <= 4_000_000 or n_free < n * n // 2:
        free = np.ones(n * n, dtype=bool)
        free[occupied_keys] = False
        free[:: n + 1] = False
        return rng.choice(np.flatnonzero(free), size=n_move, replace=False)
    # Large, mostly empty matrix: rejection sampling avoids listing every empty position.
    chosen = np.empty(0, dtype=np.int64)
    while chosen.size < n_move:
        draw = rng.integers(0, n * n, size=2 * (n_move - chosen.size) + 16)
        ok = draw // n != draw % n
        ok &= ~np.isin(draw, occupied_keys)
        candidates = np.concatenate([chosen, draw[ok]])
        _, first = np.unique(candidates, return_index=True)
        chosen = candidates[np.sort(first)][:n_move]
    return chosen


def corrupt_prior(prior, fraction, random_state=None):
    """Move a fraction of the edges of a prior network to random empty positions.

    This is how the DASH and PHOENIX papers make imperfect priors: each moved edge
    keeps its value (so its sign), but lands on a pair of genes that had no prior
    edge. The number of edges stays the same and so does the number of activating
    and repressing edges. Diagonal entries (self-regulation) are neither moved
    nor used as destinations.

    Parameters
    ----------
    prior : array-like, DataFrame or scipy sparse matrix of shape (n_genes, n_genes)
        Prior network, rows = regulators, columns = targets; nonzero entries are
        edges, their sign means activation (+) or repression (-).
    fraction : float in [0, 1]
        Fraction of the off-diagonal nonzero entries to move. The number moved is
        ``round(fraction * n_edges)``, rounded to the nearest integer.
    random_state : int, numpy Generator, RandomState or None, default=None
        Controls which edges move and where they go. Pass an int for
        reproducible output.

    Returns
    -------
    corrupted : same type as ``prior``
        A new matrix (the input is not modified): an ndarray for array-like input,
        a DataFrame with the same index and columns for a DataFrame, and a sparse
        matrix of the same format for sparse input.

    Examples
    --------
    >>> import numpy as np
    >>> from skdash.datasets import corrupt_prior
    >>> prior = np.array([[0, 1, -1, 0], [0, 0, 0, 1], [0, 0, 0, 0], [1, 0, 0, 0]])
    >>> noisy = corrupt_prior(prior, 0.5, random_state=0)
    >>> int((noisy != 0).sum()), int((noisy > 0).sum()), int((noisy < 0).sum())
    (4, 3, 1)
    >>> int(((noisy != 0) & (prior == 0)).sum())  # edges that moved
    2
    """
    fraction = _check_real("fraction", fraction, 0.0, 1.0)
    rng = _check_rng(random_state)

    if sp.issparse(prior):
        matrix = prior.tocoo()
    elif isinstance(prior, pd.DataFrame):
        matrix = prior.to_numpy()
    else:
        matrix = np.asarray(prior)
    if matrix.ndim != 2 or matrix.shape[0] != matrix.shape[1]:
        raise ValueError(f"prior must be a square 2-D matrix, got shape {matrix.shape}.")
    if not (np.issubdtype(matrix.dtype, np.number) or matrix.dtype == bool):
        raise TypeError(f"prior must be numeric, got dtype {matrix.dtype}.")
    n = matrix.shape[0]

    if sp.issparse(matrix):
        matrix.sum_duplicates()
        rows, cols, vals = matrix.row, matrix.col, matrix.data
        keep = vals != 0
        rows, cols, vals = rows[keep], cols[keep], vals[keep]
    else:
        rows, cols = np.nonzero(matrix)
        vals = matrix[rows, cols]
    if not np.all(np.isfinite(vals.astype(float))):
        raise ValueError("prior must contain only finite values.")
    keys = rows.astype(np.int64) * n + cols
    off = np.flatnonzero(rows != cols)
    n_move = int(round(fraction * off.size))

    destinations = _sample_new_positions(np.sort(keys), n, n_move, rng)
    sources = rng.choice(off, size=n_move, replace=False) if n_move else off[:0]
    keys = keys.copy()
    keys[sources] = destinations  # each moved edge keeps its value
    new_rows, new_cols = keys // n, keys % n

    if sp.issparse(prior):
        coo_type = sp.coo_matrix if isinstance(prior, sp.spmatrix) else sp.coo_array
        out = coo_type((vals, (new_rows, new_cols)), shape=prior.shape, dtype=prior.dtype)
        return out.asformat(prior.format)
    out = np.zeros_like(matrix)
    out[new_rows, new_cols] = vals
    if isinstance(prior, pd.DataFrame):
        return pd.DataFrame(out, index=prior.index, columns=prior.columns)
    return out


# ---------------------------------------------------------------------------------------
# Random Hill networks
# ---------------------------------------------------------------------------------------
class _RandomHillNetwork:
    """A random SIM350-like network with a vectorised right-hand side.

    Every non-input gene ``g`` follows ``dx_g/dt = act_g(x) - x_g`` where ``act_g``
    is an OR of AND-clauses of literals, a literal being ``fAct(x_r, EC50, n)``
    (activation) or ``1 - fAct(x_r, EC50, n)`` (repression) for a regulator ``r``:
    AND is the product, OR is ``1 - prod(1 - clause)``. Edges are stored sorted by
    target and clause, so clauses and targets are contiguous segments reduced with
    :func:`numpy.multiply.reduceat`.
    """

    def __init__(self, n_genes, input_mask, regulator, target, activating, clause_start, ec50, n):
        self.n_genes = n_genes
        self.input_mask = input_mask
        self.regulator = regulator
        self.target = target
        self.activating = activating
        self.ec50 = ec50
        self.n = n
        self.is_new_clause = clause_start
        first_edge = np.r_[True, target[1:] != target[:-1]]
        self._targets = target[first_edge]
        self._clause_starts = np.flatnonzero(clause_start)
        self._target_starts = np.flatnonzero(first_edge[self._clause_starts])
        self._offset = np.where(activating, 0.0, 1.0)[:, None]
        self._sign = np.where(activating, 1.0, -1.0)[:, None]
        self._n = n[:, None]
        self._k = _hill_constants(ec50, n)[:, None]

    def __call__(self, x):
        literal = _hill_from_log(_log_clipped(x)[self.regulator], self._n, self._k)
        literal *= self._sign
        literal += self._offset
        clause = np.multiply.reduceat(literal, self._clause_starts, axis=0)
        np.subtract(1.0, clause, out=clause)
        activity = 1.0 - np.multiply.reduceat(clause, self._target_starts, axis=0)
        dxdt = np.zeros_like(x)
        dxdt[self._targets] = activity - x[self._targets]
        return dxdt

    def signed_edges(self):
        """Regulator, target and sign (+1 activation, -1 repression) of every edge."""
        return self.regulator, self.target, np.where(self.activating, 1.0, -1.0)

    def to_equations(self, gene_names):
        """The network as SIM350-style equation text (used to cross-check the parser)."""
        eqns = {name: _INPUT_MARKER for name in gene_names}
        clause_id = np.cumsum(self.is_new_clause) - 1
        for g in np.unique(self.target):
            edges = np.flatnonzero(self.target == g)
            clauses = []
            for c in np.unique(clause_id[edges]):
                lits = []
                for e in edges[clause_id[edges] == c]:
                    term = f"fAct({gene_names[self.regulator[e]]}, {float(self.ec50[e])!r}, {float(self.n[e])!r})"
                    lits.append(term if self.activating[e] else f"(1 - {term})")
                clauses.append("(1 - " + " * ".join(lits) + ")")
            eqns[gene_names[g]] = f"(1 - {' * '.join(clauses)}) - {gene_names[g]}"
        return eqns


def _spread_in_degrees(n_extra, cap, rng):
    """Extra regulators per target: geometric-like counts (SIM350's in-degrees) under a cap."""
    weights = rng.exponential(size=cap.size)
    extra = rng.multinomial(n_extra, weights / weights.sum())
    while np.any(extra > cap):  # only in tiny, dense networks
        overflow = int(np.sum(np.maximum(extra - cap, 0)))
        extra = np.minimum(extra, cap)
        room = (cap - extra) * weights
        extra += rng.multinomial(overflow, room / room.sum())
    return extra


def _draw_regulators(target, pool, pool_weights, n_genes, rng):
    """One regulator per edge slot: weighted by hub-ness, no self-loops or repeats."""
    p = pool_weights / pool_weights.sum()
    regulator = pool[rng.choice(pool.size, size=target.size, p=p)]
    for attempt in range(101):
        key = target.astype(np.int64) * n_genes + regulator
        _, first = np.unique(key, return_index=True)
        bad = np.ones(target.size, dtype=bool)
        bad[first] = False
        bad |= regulator == target
        if not bad.any():
            return regulator
        if attempt == 100:
            break
        regulator[bad] = pool[rng.choice(pool.size, size=int(bad.sum()), p=p)]
    # Fallback for the few targets that need nearly the whole pool.
    for g in np.unique(target[bad]):
        slots = np.flatnonzero(target == g)
        allowed = pool != g
        regulator[slots] = rng.choice(pool[allowed], size=slots.size, replace=False,
                                      p=p[allowed] / p[allowed].sum())
    return regulator


def _random_network(
    n_genes, n_edges, *, input_fraction, regulator_fraction, activation_fraction,
    and_probability, ec50_range, hill_range, rng,
):
    genes = rng.permutation(n_genes)
    n_inputs = min(max(1, int(round(input_fraction * n_genes))), n_genes - 1)
    input_mask = np.zeros(n_genes, dtype=bool)
    input_mask[genes[:n_inputs]] = True
    others = genes[n_inputs:]
    n_extra_regulators = int(round(regulator_fraction * others.size))
    pool = np.sort(np.concatenate([genes[:n_inputs], others[:n_extra_regulators]]))
    targets = np.sort(others)

    in_pool = np.isin(targets, pool)
    cap = pool.size - in_pool.astype(int)  # most regulators a target can have
    if n_edges is None:
        n_edges = int(np.clip(round(n_genes * 550 / 350), targets.size, cap.sum()))
    elif not targets.size <= n_edges <= cap.sum():
        raise ValueError(
            f"n_edges must be between {targets.size} (one regulator per non-input gene) and "
            f"{cap.sum()} (every allowed regulator) for these settings, got {n_edges}."
        )
    in_degree = 1 + _spread_in_degrees(n_edges - targets.size, cap - 1, rng)
    target = np.repeat(targets, in_degree)
    hub = rng.pareto(1.5, size=pool.size) + 1.0
    regulator = _draw_regulators(target, pool, hub, n_genes, rng)

    order = np.lexsort((rng.random(n_edges), target))  # random order inside each target
    target, regulator = target[order], regulator[order]
    activating = rng.random(n_edges) < activation_fraction
    first_edge = np.r_[True, target[1:] != target[:-1]]
    clause_start = first_edge | (rng.random(n_edges) >= and_probability)
    ec50 = rng.uniform(*ec50_range, size=n_edges)
    n = rng.uniform(*hill_range, size=n_edges)
    return _RandomHillNetwork(n_genes, input_mask, regulator, target, activating,
                              clause_start, ec50, n)


def _gene_labels(n_genes):
    width = len(str(n_genes - 1))
    return [f"G{i:0{width}d}" for i in range(n_genes)]


_NETWORK_DESCR = """\
Random Hill-kinetics gene regulatory network
--------------------------------------------

A synthetic data set in the style of SIM350 for any number of genes, made by
:func:`skdash.datasets.make_regulatory_network`.

**Network.** A fraction ``input_fraction`` of the genes are *input genes*: they
have no regulators and stay constant. The regulators are the input genes plus a
fraction ``regulator_fraction`` of the other genes, with heavy-tailed (Pareto)
preferences so that a few hubs regulate many targets. Every other gene has at
least one regulator; the in-degrees are geometric-like, as in SIM350.

**Kinetics.** ``dx_g/dt = act_g(x) - x_g``. Each regulator enters as a literal
``fAct(x_r, EC50, n)`` (activation) or ``1 - fAct(x_r, EC50, n)`` (repression);
literals are grouped into AND-clauses (products) that are combined with OR
(``a + b - a b``). ``fAct(x, EC50, n) = B x^n / (B - 1 + x^n)`` with
``B = (EC50^n - 1) / (2 EC50^n - 1)``.

**Trajectories.** Initial states as in SIM350 (input genes near a per-gene mean,
others Beta(2, 2) plus a per-gene shift, clipped to [0, 1]); integrated with
scipy's DOP853 (rtol 1e-8, atol 1e-10). ``X`` has Gaussian noise of standard
deviation ``noise_sd = 0.5 * noise``; ``X_test`` is noise-free.

**Prior.** The signed true network (+1 activation, -1 repression), with a fraction
``prior_corruption`` of its edges moved to random empty positions.
"""


_NETWORK_SIMULATE_DOC = """Integrate the true network of this data set from given initial states.

Parameters
----------
x0 : array-like of shape (n_genes,) or (n_trajectories, n_genes), or DataFrame
    Initial expression (a DataFrame is reordered by gene name).
times : array-like of shape (n_times,)
    Strictly increasing output times; ``x0`` is the state at ``times[0]``.
clamp : dict or Series, default=None
    Genes (names or column indices) held at a level in [0, 1] for the whole
    trajectory (their rate is zero): 0 is a knockout, 1 full expression.
rtol, atol : float, default=1e-8, 1e-10
    Tolerances of scipy's DOP853 solver.

Returns
-------
trajectories : ndarray of shape (n_trajectories, n_times, n_genes), or (n_times, n_genes) for 1-D x0
"""


def make_regulatory_network(
    n_genes=100,
    n_edges=None,
    *,
    n_trajectories=150,
    n_test_trajectories=50,
    times=(0, 2, 3, 7, 9),
    noise=0.0,
    prior_corruption=0.0,
    input_fraction=0.2,
    regulator_fraction=0.1,
    activation_fraction=0.68,
    and_probability=0.5,
    ec50_range=(0.3, 0.7),
    hill_range=(1.0, 2.0),
    sparse="auto",
    as_frame=True,
    random_state=None,
):
    """Simulate time courses from a random Hill-kinetics gene regulatory network.

    A generator of SIM350-like benchmarks of any size (a few genes to tens of
    thousands), for scaling studies. The network, kinetics, initial states and
    noise follow the recipe of SIM350 (see :func:`make_sim350`); the right-hand
    side is fully vectorised, so 11 000 genes simulate in seconds.

    Parameters
    ----------
    n_genes : int, default=100
        Number of genes (at least 2).
    n_edges : int or None, default=None
        Number of regulatory edges. None gives SIM350's density, about
        ``n_genes * 550 / 350``. Must allow one regulator for every non-input gene.
    n_trajectories : int, default=150
        Number of training time courses (rows of ``X``: ``n_trajectories * len(times)``).
    n_test_trajectories : int, default=50
        Number of extra noise-free time courses in ``X_test`` (may be 0).
    times : array-like of float, default=(0, 2, 3, 7, 9)
        Strictly increasing sampling times; the initial state is at ``times[0]``.
    noise : float, default=0.0
        Noise level in the papers' sense: Gaussian noise of standard deviation
        ``0.5 * noise`` is added to ``X`` (0.05, 0.1, 0.2 are "5, 10, 20 %").
    prior_corruption : float in [0, 1], default=0.0
        Fraction of the true edges moved to random empty positions in ``prior``
        (see :func:`corrupt_prior`).
    input_fraction : float in (0, 1), default=0.2
        Fraction of genes that are constant inputs (SIM350: 73 of 350).
    regulator_fraction : float in [0, 1], default=0.1
        Fraction of the non-input genes that also regulate others (SIM350: 24 of 277).
    activation_fraction : float in [0, 1], default=0.68
        Probability that an edge activates rather than represses (SIM350: 374 of 550).
    and_probability : float in [0, 1], default=0.5
        Probability that a regulator joins the previous regulator's AND-clause
        rather than starting a new OR-ed clause.
    ec50_range : pair of float in (0, 1), default=(0.3, 0.7)
        Range of the uniform EC50 of each edge.
    hill_range : pair of positive float, default=(1.0, 2.0)
        Range of the uniform Hill coefficient of each edge.
    sparse : bool or "auto", default="auto"
        Return ``prior`` and ``network`` as scipy CSR arrays. "auto" does so above
        2000 genes, where dense matrices would take hundreds of megabytes.
    as_frame : bool, default=True
        If True, ``X`` and ``X_test`` are DataFrames with gene-name columns (so
        that a fitted estimator names its genes), dense
        ``prior`` and ``network`` are DataFrames indexed by gene names, and
        ``frame`` holds the training data in long format (trajectory, time, genes).
    random_state : int, numpy Generator, RandomState or None, default=None
        Seed of everything random. The network, the per-gene settings, the
        training and test initial states, the noise and the prior corruption use
        independent streams, so for one seed changing ``noise`` does not change
        the underlying noise-free trajectories.

    Returns
    -------
    data : :class:`~sklearn.utils.Bunch`
        Same layout as :func:`make_sim350`: ``X``, ``t``, ``trajectory``,
        ``X_test``, ``t_test``, ``trajectory_test``, ``prior`` (signed, rows =
        regulators, columns = targets), ``network`` (0/1 true adjacency),
        ``gene_names``, ``input_genes`` (bool mask), ``noise_sd`` and ``DESCR``
        (and ``frame`` with ``as_frame=True``). Test trajectories are numbered
        after the training ones and share the per-gene initial-state settings.
        ``simulate(x0, times, *, clamp=None)`` integrates the true network from
        chosen states, as :func:`~skdash.datasets.simulate_sim350` does for
        SIM350; ``clamp`` holds genes at fixed levels (0 = knockout).

    See Also
    --------
    make_sim350 : The fixed 350-gene benchmark of the DASH and PHOENIX papers.

    Examples
    --------
    >>> from skdash.datasets import make_regulatory_network
    >>> data = make_regulatory_network(50, n_trajectories=4, n_test_trajectories=2,
    ...                                random_state=0)
    >>> data.X.shape, data.X_test.shape, data.prior.shape
    ((20, 50), (10, 50), (50, 50))
    >>> int(data.network.sum()), int(data.input_genes.sum())
    (79, 10)
    >>> knocked = data.simulate(data.X_test[0], [0.0, 9.0], clamp={"G03": 0.0})
    >>> knocked.shape, float(knocked[-1, 3])
    ((2, 50), 0.0)
    """
    n_genes = _check_int("n_genes", n_genes, 2)
    if n_edges is not None:
        n_edges = _check_int("n_edges", n_edges, 1)
    n_trajectories = _check_int("n_trajectories", n_trajectories, 1)
    n_test_trajectories = _check_int("n_test_trajectories", n_test_trajectories, 0)
    times = _check_times(times)
    noise = _check_real("noise", noise, 0.0)
    prior_corruption = _check_real("prior_corruption", prior_corruption, 0.0, 1.0)
    input_fraction = _check_real("input_fraction", input_fraction, 0.0, 1.0,
                                 low_open=True, high_open=True)
    regulator_fraction = _check_real("regulator_fraction", regulator_fraction, 0.0, 1.0)
    activation_fraction = _check_real("activation_fraction", activation_fraction, 0.0, 1.0)
    and_probability = _check_real("and_probability", and_probability, 0.0, 1.0)
    ec50_range = _check_range("ec50_range", ec50_range, 0.0, 1.0)
    hill_range = _check_range("hill_range", hill_range, 0.0, np.inf)
    use_sparse = _check_sparse_option(sparse, n_genes)
    as_frame = _check_bool("as_frame", as_frame)
    rngs = _spawn_rngs(random_state, 6)

    model = _random_network(
        n_genes, n_edges, input_fraction=input_fraction, regulator_fraction=regulator_fraction,
        activation_fraction=activation_fraction, and_probability=and_probability,
        ec50_range=ec50_range, hill_range=hill_range, rng=rngs[0],
    )
    sigma = _NOISE_SCALE * noise
    bunch = Bunch(**_simulate_dataset(
        model, model.input_mask, rngs[1:5], n_trajectories=n_trajectories,
        n_test_trajectories=n_test_trajectories, times=times, sigma=sigma,
    ))

    rows, cols, signs = model.signed_edges()
    shape = (n_genes, n_genes)
    prior = sp.csr_array((signs, (rows, cols)), shape=shape)
    network = sp.csr_array((np.ones(rows.size, dtype=np.int64), (rows, cols)), shape=shape)
    if prior_corruption > 0:
        prior = corrupt_prior(prior, prior_corruption, random_state=rngs[5])
    if not use_sparse:
        prior, network = prior.toarray(), network.toarray()

    gene_names = _gene_labels(n_genes)

    def simulate(x0, times, *, clamp=None, rtol=1e-8, atol=1e-10):
        return _simulate_system(model, gene_names, x0, times, clamp=clamp, rtol=rtol, atol=atol)

    simulate.__doc__ = _NETWORK_SIMULATE_DOC
    bunch.update(
        prior=prior, network=network, gene_names=gene_names,
        input_genes=model.input_mask.copy(), noise_sd=sigma, DESCR=_NETWORK_DESCR, simulate=simulate,
    )
    if as_frame:
        _as_frames(bunch, gene_names)
    return bunch
