"""A safe parser and compiler of Hill-kinetics equation text.

Equation text (``fAct(x, EC50, n)``, ``+``, ``-``, ``*``, ``/``, numbers and gene
names) is read with :mod:`ast`, never evaluated as Python, and compiled into a
vectorised right-hand side ``dx/dt = f(x)`` (:class:`_HillSystem`).
"""

import ast
import operator

import numpy as np

from ._hill import _hill_constants, _hill_from_log, _log_clipped

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
