"""Warnings raised by skdash.

skdash reports problems it cannot fix without changing the user's data or
result as warnings of its own classes, so that they can be filtered precisely::

    import warnings
    from skdash.exceptions import DataScaleWarning

    warnings.filterwarnings("error", category=DataScaleWarning)
"""

__all__ = ["DataScaleWarning", "UnreliableFitWarning"]


class DataScaleWarning(UserWarning):
    """Expression values lie far outside the scale the model expects.

    The PHOENIX activations are centred at 0.5, so the model expects expression
    roughly on a [0, 1] scale.  Raw counts, log-ratios or z-scores fit a model
    whose network means little.  The data are never changed: scale them, e.g.
    with ``make_pipeline(MinMaxScaler(), DASHRegulatoryEstimator(...))``.
    """


class UnreliableFitWarning(UserWarning):
    """The data do not support the fitted network, so it is not to be trusted as it is.

    Raised after fit when the model forecasts the held-out transitions hardly
    better than a model without regulation, in which each gene relaxes on its
    own (``forecast_skill_`` below 0.2), or when it keeps more weights than the
    training data hold values.  More time courses, fewer hidden units, a higher
    ``sparsity``, more epochs or a lower ``prior_loss_weight`` help.
    """
