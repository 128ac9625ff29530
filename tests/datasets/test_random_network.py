"""Tests of the random Hill-network generator and its vectorised right-hand side."""

import numpy as np

from skdash.datasets import make_regulatory_network
from skdash.datasets._equations import _INPUT_MARKER, _compile_equations
from skdash.datasets._random_network import _gene_labels, _random_network


def _to_equations(model, gene_names):
    """A random network as SIM350-style equation text, to cross-check it with the parser."""
    eqns = {name: _INPUT_MARKER for name in gene_names}
    clause_id = np.cumsum(model.is_new_clause) - 1
    for g in np.unique(model.target):
        edges = np.flatnonzero(model.target == g)
        clauses = []
        for c in np.unique(clause_id[edges]):
            literals = []
            for e in edges[clause_id[edges] == c]:
                term = f"fAct({gene_names[model.regulator[e]]}, {float(model.ec50[e])!r}, {float(model.n[e])!r})"
                literals.append(term if model.activating[e] else f"(1 - {term})")
            clauses.append("(1 - " + " * ".join(literals) + ")")
        eqns[gene_names[g]] = f"(1 - {' * '.join(clauses)}) - {gene_names[g]}"
    return eqns


def test_vectorised_rhs_matches_parsed_equations():
    rng = np.random.default_rng(0)
    model = _random_network(
        40, None, input_fraction=0.2, regulator_fraction=0.2, activation_fraction=0.6,
        and_probability=0.5, ec50_range=(0.3, 0.7), hill_range=(1.0, 2.0), rng=rng,
    )
    names = _gene_labels(40)
    parsed = _compile_equations(_to_equations(model, names), names)
    np.testing.assert_array_equal(parsed.input_mask, model.input_mask)
    states = rng.random((40, 6))
    np.testing.assert_allclose(parsed(states), model(states), rtol=0, atol=1e-14)


def test_tiny_dense_network_respects_limits():
    # 4 genes, 1 input: every non-input gene is regulated by all others it may use
    data = make_regulatory_network(4, 9, n_trajectories=1, n_test_trajectories=0,
                                   input_fraction=0.25, regulator_fraction=1.0, random_state=0, as_frame=False)
    assert data.network.sum() == 9 and np.all(np.diag(data.network) == 0)
