"""Every private scikit-learn import of the package, in one place.

scikit-learn moves its private helpers between releases; keeping them here means
a new release breaks one module, not the package.
"""

import sys

from sklearn import get_config
from sklearn.base import _fit_context  # noqa: F401  (private, stable since 1.3)
from sklearn.utils._param_validation import (  # noqa: F401
    HasMethods,
    Interval,
    InvalidParameterError,
    StrOptions,
    validate_params,
)
from sklearn.utils.validation import validate_data  # noqa: F401  (public since 1.6)

#: Where scikit-learn's cross-validation fits and scores one split.
_FIT_AND_SCORE = ("sklearn.model_selection._validation", "_fit_and_score")


def inside_unrouted_cross_validation():
    """True when called (indirectly) by a CV split fit while metadata routing is off.

    Without routing, GridSearchCV and cross_validate pass fit parameters such as
    ``t`` to ``fit`` but call ``score`` without them, so the split would be scored
    on the wrong time axis.  The frame walk recognises that situation so that fit
    can fail loudly instead.
    """
    if get_config().get("enable_metadata_routing", False):
        return False
    frame = sys._getframe(1)
    while frame is not None:
        if (frame.f_globals.get("__name__"), frame.f_code.co_name) == _FIT_AND_SCORE:
            return True
        frame = frame.f_back
    return False
