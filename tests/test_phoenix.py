"""The PHOENIX vector field on its own: initialisation and the sparsity it reports."""

import numpy as np
import torch

from skdash._phoenix import PhoenixField


def test_initialisation_does_not_depend_on_precision():
    single = PhoenixField(6, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float32)
    double = PhoenixField(6, 6, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    for name, parameter in single.named_parameters():
        np.testing.assert_allclose(parameter.detach().double().numpy(), getattr(double, name).detach().numpy(),
                                   rtol=1e-6, atol=1e-7, err_msg=name)


def test_sparsity_counts_zero_weights_and_the_outputs_of_genes_that_never_move():
    field = PhoenixField(4, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    with torch.no_grad():
        for name in ("sum_in", "prod_in", "sum_out", "prod_out"):
            getattr(field, name).fill_(1.0)
        field.sum_in[0, :] = 0.0  # 4 of 12 first-layer sum weights pruned
        field.gene_multipliers.copy_(torch.tensor([1.0, -0.5, 0.2, 0.3]))  # gene 1: ReLU(v) = 0
    # zeros: 4 (sum_in) + 3 (prod_out row of gene 1) + 3 (sum_out row of gene 1), of 4 * 12 weights
    assert field.sparsity() == (4 + 3 + 3) / 48
