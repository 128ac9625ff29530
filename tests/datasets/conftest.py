"""Fixtures shared by the data-set tests."""

import pytest


def _papers_hill(x, ec50, n):
    b = (ec50**n - 1) / (2 * ec50**n - 1)
    return b * x**n / (b - 1 + x**n)


@pytest.fixture
def reference_hill():
    """SIM350's Hill activation written as in the papers: ``B x^n / (B - 1 + x^n)``."""
    return _papers_hill
