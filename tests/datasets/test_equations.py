"""Tests of the safe equation parser and compiler."""

import numpy as np
import pytest

from skdash.datasets._equations import _compile_equations
from skdash.datasets._sim350 import _sim350_network, _sim350_prior, _sim350_system


def test_compiled_equations_evaluate_correctly(reference_hill):
    eqns = {
        "A": "input gene",
        "B": "((1 * fAct(A, 0.4, 1.5)) * 1 - 1 * B) / 1",
        "C": "(1 - fAct(B, 0.45, 1.0)) * fAct(A, 0.6, 2) + fAct(A, 0.6, 2) - C",
        "D": "-(2.5 - A) / 2 + +C - D * 0.5",
    }
    system = _compile_equations(eqns, ["A", "B", "C", "D"])
    np.testing.assert_array_equal(system.input_mask, [True, False, False, False])
    state = np.random.default_rng(0).random((4, 3))
    a, b, c, d = state
    expected = np.array([
        np.zeros(3),
        reference_hill(a, 0.4, 1.5) - b,
        (1 - reference_hill(b, 0.45, 1.0)) * reference_hill(a, 0.6, 2)
        + reference_hill(a, 0.6, 2) - c,
        -(2.5 - a) / 2 + c - d * 0.5,
    ])
    np.testing.assert_allclose(system(state), expected, rtol=0, atol=1e-14)


@pytest.mark.parametrize(
    "equation, match",
    [
        ("__import__('os').system('echo hi')", "only function allowed is fAct"),
        ("A.real", "unsupported syntax Attribute"),
        ("A ** 2", "unsupported syntax BinOp"),
        ("A if A else B", "unsupported syntax IfExp"),
        ("(lambda: 1)()", "only function allowed is fAct"),
        ("[A][0]", "unsupported syntax"),
        ("'text'", "unsupported constant"),
        ("True + A", "unsupported constant"),
        ("Z - B", "unknown gene"),
        ("fAct(A, B, 1)", "EC50 argument of fAct must be a number"),
        ("fAct(A, 0.5)", "exactly three"),
        ("fAct(A, 0.5, n=1)", "exactly three"),
        ("fAct(A, 1.5, 1)", "0 < EC50 < 1"),
        ("fAct(A, 0.5, -1)", "positive Hill"),
        ("A / (2 - 2)", "division by the constant 0"),
        ("A +", "invalid syntax"),
        ("1e999 * A", "non-finite"),
    ],
)
def test_parser_rejects_anything_outside_the_whitelist(equation, match):
    with pytest.raises(ValueError, match=match):
        _compile_equations({"A": "input gene", "B": equation}, ["A", "B"])


def test_equations_must_cover_the_genes():
    with pytest.raises(ValueError, match="missing"):
        _compile_equations({"A": "input gene"}, ["A", "B"])
    with pytest.raises(ValueError, match="cannot be used"):
        _compile_equations({"fAct": "input gene"}, ["fAct"])


def test_sim350_jacobian_matches_the_signed_true_network():
    """Gene-name mapping check: each equation depends on exactly its prior regulators."""
    system = _sim350_system()
    prior = _sim350_prior("edge_prior_matrix_simu_350_noise_0.0.csv")
    np.testing.assert_array_equal(prior != 0, _sim350_network() == 1)
    state = np.random.default_rng(0).uniform(0.05, 0.95, size=(350, 1))
    h = 1e-6
    steps = np.eye(350) * h
    jacobian = ((system(state + steps) - system(state - steps)) / (2 * h)).T  # [regulator, target]
    np.fill_diagonal(jacobian, 0.0)
    np.testing.assert_array_equal(np.abs(jacobian) > 1e-9, prior != 0)
    np.testing.assert_array_equal(np.sign(jacobian[prior != 0]), prior[prior != 0])
    np.testing.assert_array_equal(system(state)[system.input_mask], 0.0)
