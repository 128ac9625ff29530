"""DASH pruning scores and mask updates, on small hand-made models."""

import numpy as np
import pytest
import torch

from skdash._dash import DashPruner, PriorKnowledge, prune_lowest
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
