"""Data sets for gene regulatory network inference.

Simulators (:func:`make_sim350`, :func:`make_regulatory_network`,
:func:`simulate_sim350`), prior corruption (:func:`corrupt_prior`) and loaders of
the bundled data (:func:`load_yeast_cell_cycle`, :func:`load_sim350_prior`).
Everything returns numpy arrays or pandas DataFrames; nothing here needs torch.
An argument of the wrong type or out of range raises scikit-learn's
``InvalidParameterError`` (a ``ValueError`` and ``TypeError``) that names it.
"""

from ._loaders import load_yeast_cell_cycle
from ._prior_corruption import corrupt_prior
from ._regulatory_network import make_regulatory_network
from ._sim350 import load_sim350_prior, make_sim350, simulate_sim350

__all__ = [
    "corrupt_prior",
    "load_sim350_prior",
    "load_yeast_cell_cycle",
    "make_regulatory_network",
    "make_sim350",
    "simulate_sim350",
]
