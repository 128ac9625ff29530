"""DASH pruning scores and mask updates, on small hand-made models."""

import numpy as np
import pytest
import torch

from skdash._dash import (DashPruner, PriorKnowledge, first_layer_prior_scores, prune_lowest,
                          second_layer_prior_scores)
from skdash._phoenix import PRUNABLE, PhoenixField
from skdash._prior import to_torch
from skdash.pruning import PruningSchedule


def make_field(n_genes=5, hidden_units=4, seed=0):
    field = PhoenixField(n_genes, hidden_units, generator=torch.Generator().manual_seed(seed),
                         dtype=torch.float64)
    with torch.no_grad():  # dense, distinct magnitudes everywhere
        for index, name in enumerate(PRUNABLE):
            weights = getattr(field, name)
            weights.copy_(torch.randn(weights.shape, generator=torch.Generator().manual_seed(seed * 10 + index),
                                      dtype=torch.float64))
    return field


def knowledge_from(prior):
    return PriorKnowledge(prior_abs=to_torch(np.asarray(prior, dtype=float), absolute=True))


def test_zero_prior_weight_prunes_by_magnitude_alone():
    field = make_field()
    multipliers = torch.relu(field.gene_multipliers.detach())[:, None]
    magnitude = {name: getattr(field, name).detach().abs().clone() for name in PRUNABLE}
    magnitude["sum_out"] = magnitude["sum_out"] * multipliers
    magnitude["prod_out"] = magnitude["prod_out"] * multipliers
    # a prior that would point elsewhere must not matter with lambda = 0
    prior = np.eye(5)[::-1]
    pruner = DashPruner(field, PruningSchedule(start=1, initial=0.5), (0.0, 0.0), knowledge_from(prior),
                        generator=torch.Generator().manual_seed(1))
    assert pruner.step(field, 1)
    for name in PRUNABLE:
        mask = field.mask(name).bool()
        n_kept = int(mask.sum())
        assert n_kept == mask.numel() // 2
        kept, pruned = magnitude[name][mask], magnitude[name][~mask]
        assert kept.min() >= pruned.max(), name  # exactly the largest magnitudes survive
        assert torch.all(getattr(field, name)[~mask] == 0)


def test_prior_only_pruning_ignores_the_weights():
    prior = np.zeros((5, 5))
    prior[0, 1:] = 1.0  # gene 0 regulates every other gene
    masks = []
    for seed in (0, 1):  # different weights, same prior and same initial scores
        field = make_field(seed=seed)
        pruner = DashPruner(field, PruningSchedule(start=1, initial=0.5), (1.0, 1.0), knowledge_from(prior),
                            generator=torch.Generator().manual_seed(3))
        pruner.step(field, 1)
        masks.append({name: field.mask(name).clone() for name in ("sum_in", "prod_in")})
    for name in ("sum_in", "prod_in"):
        torch.testing.assert_close(masks[0][name], masks[1][name])


def test_pruner_stops_the_schedule_at_the_target():
    field = make_field(n_genes=10, hidden_units=10)
    pruner = DashPruner(field, PruningSchedule(start=1, initial=0.7, interval=1, rate=0.5), (0.0, 0.0),
                        PriorKnowledge(), target=0.8, generator=torch.Generator().manual_seed(0))
    for epoch in range(1, 6):
        pruner.step(field, epoch)
    for name in PRUNABLE:
        assert float(field.mask(name).mean()) == pytest.approx(0.2)
    assert pruner.target_reached(field) and not pruner.step(field, 6)


def test_prune_lowest_keeps_pruned_entries_pruned_and_breaks_ties_by_position():
    mask = torch.tensor([1.0, 0.0, 1.0, 1.0])
    scores = torch.tensor([0.5, 0.0, 0.5, 0.9])
    new = prune_lowest(scores, mask, 1)
    torch.testing.assert_close(new, torch.tensor([0.0, 0.0, 1.0, 1.0]))
    torch.testing.assert_close(prune_lowest(scores, mask, 0), mask)


def test_pruning_refuses_non_finite_scores():
    scores = torch.tensor([[0.3, float("nan")], [0.1, 0.2]])
    with pytest.raises(FloatingPointError, match="not finite"):
        prune_lowest(scores, torch.ones(2, 2), 1)


# ------------------------------------------------------------------ DASH least squares
N_HIDDEN, N_GENES = 5, 8


def prior_with_empty_rows():
    prior = np.zeros((N_GENES, N_GENES))
    prior[0, [1, 2, 5]] = [1.0, -1.0, 0.5]
    prior[3, [1, 6]] = [-2.0, 1.0]
    prior[6, 0] = 1.0  # rows 1, 2, 4, 5, 7 regulate nothing; columns 3, 4, 7 are never regulated
    return prior


def knowledge(prior, sparse):
    absolute = torch.tensor(np.abs(prior), dtype=torch.float64)
    return PriorKnowledge(prior_abs=absolute.to_sparse_coo().coalesce() if sparse else absolute)


def rank_deficient_scores():
    scores = np.random.default_rng(0).uniform(size=(N_HIDDEN, N_GENES))
    scores[1] = 0.0  # a hidden unit with no score at all
    scores[3] = scores[0]  # two identical hidden units
    return scores


SCORE_CASES = {
    "zero and duplicate rows": rank_deficient_scores(),
    "rank one": np.tile(np.linspace(0.1, 1.0, N_GENES), (N_HIDDEN, 1)),
    "all zero": np.zeros((N_HIDDEN, N_GENES)),
    "one nonzero entry": np.pad([[0.7]], ((0, N_HIDDEN - 1), (0, N_GENES - 1))),
}


def check_scores(result, shape, dtype):
    assert result.shape == shape and result.dtype == dtype
    values = result.double().numpy()
    assert np.all(np.isfinite(values)) and np.all(values >= 0)
    return values


@pytest.mark.parametrize("sparse", [False, True], ids=["dense", "sparse"])
@pytest.mark.parametrize("dtype", [torch.float32, torch.float64], ids=["float32", "float64"])
@pytest.mark.parametrize("case", list(SCORE_CASES))
def test_prior_scores_stay_finite_for_rank_deficient_inputs(case, dtype, sparse):
    scores = torch.tensor(SCORE_CASES[case], dtype=dtype)
    known = knowledge(prior_with_empty_rows(), sparse)
    first = check_scores(first_layer_prior_scores(scores, known), (N_HIDDEN, N_GENES), dtype)
    second = check_scores(second_layer_prior_scores(scores, known), (N_GENES, N_HIDDEN), dtype)
    zero_units = ~SCORE_CASES[case].any(axis=1)
    # a hidden unit without scores gets no prior score (no information, no blow-up);
    # "zero" up to the ridge: MKL's lstsq varies run to run at ~1e-8 on these systems
    assert np.all(first[zero_units] <= 1e-6) and np.all(second[:, zero_units] <= 1e-6)


@pytest.mark.parametrize("case", ["zero and duplicate rows", "rank one"])
def test_prior_scores_are_the_minimum_norm_least_squares_solutions(case):
    scores = SCORE_CASES[case]
    prior_abs = np.abs(prior_with_empty_rows())
    q = prior_abs @ prior_abs.T / (prior_abs @ prior_abs.T).sum()
    known = knowledge(prior_with_empty_rows(), sparse=False)
    # X1 = argmin ||S1^T X - Q|| and C = argmin ||C Omega1 - |P|^T||, minimum-norm where not unique
    x1 = np.linalg.lstsq(scores.T, q, rcond=None)[0]
    c = np.linalg.lstsq(scores.T, prior_abs, rcond=None)[0].T
    first = first_layer_prior_scores(torch.tensor(scores), known).numpy()
    second = second_layer_prior_scores(torch.tensor(scores), known).numpy()
    np.testing.assert_allclose(first, np.abs(x1), rtol=1e-5, atol=1e-7 * np.abs(x1).max())
    np.testing.assert_allclose(second, np.abs(c), rtol=1e-5, atol=1e-7 * np.abs(c).max())
    if case == "zero and duplicate rows":  # identical units share the solution equally
        np.testing.assert_allclose(first[3], first[0], rtol=1e-6, atol=1e-7)
