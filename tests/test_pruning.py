"""The public pruning schedule (skdash.pruning): its arithmetic and its scikit-learn parameter conventions."""

import pytest
from sklearn.base import clone

from skdash.pruning import PruningSchedule


def test_schedule_follows_the_reference():
    schedule = PruningSchedule(start=3, initial=0.7, interval=10, rate=0.1)
    assert [epoch for epoch in range(1, 40) if schedule.fraction(epoch) > 0] == [3, 13, 23, 33]
    assert schedule.fraction(3) == 0.7 and schedule.fraction(13) == 0.1
    assert schedule.epochs_to_reach(0.7) == 3
    assert schedule.epochs_to_reach(0.95) == 183  # 1 - 0.3 * 0.9**k >= 0.95 first at k = 18
    assert PruningSchedule(start=3, rate=0.0).epochs_to_reach(0.9) is None


def test_defaults_are_the_reference_amounts_from_a_converged_start():
    assert PruningSchedule().get_params() == {"start": "converged", "initial": 0.7, "interval": 10, "rate": 0.1}


def test_follows_scikit_learn_parameter_conventions():
    schedule = PruningSchedule(start=1, rate=0.2)
    assert repr(schedule) == "PruningSchedule(rate=0.2, start=1)"
    copy = clone(schedule)
    assert copy is not schedule and copy == schedule
    assert copy.set_params(interval=4) is copy and copy.interval == 4 and schedule.interval == 10
    assert copy != schedule and PruningSchedule() == PruningSchedule()


def test_a_converged_start_is_fixed_by_starting_at():
    schedule = PruningSchedule(start="converged", interval=5)
    for call in (lambda: schedule.fraction(3), lambda: schedule.epochs_to_reach(0.9)):
        with pytest.raises(ValueError, match=r'start="converged" has no first epoch.*starting_at'):
            call()
    fixed = schedule.starting_at(12)
    assert fixed.get_params() == {"start": 12, "initial": 0.7, "interval": 5, "rate": 0.1}
    assert schedule.start == "converged"   # a copy: the schedule itself is left as it was
    assert [epoch for epoch in range(1, 30) if fixed.fraction(epoch) > 0] == [12, 17, 22, 27]
    with pytest.raises(ValueError, match="epoch"):
        schedule.starting_at(0)


@pytest.mark.parametrize("params, message", [
    (dict(start="later"), "'start' parameter of PruningSchedule"),
    (dict(start=0), "'start' parameter of PruningSchedule"),
    (dict(initial=1.0), "'initial' parameter of PruningSchedule"),
    (dict(interval=2.5), "'interval' parameter of PruningSchedule"),
    (dict(rate=-0.1), "'rate' parameter of PruningSchedule"),
])
def test_bad_parameters_are_rejected_by_name(params, message):
    schedule = PruningSchedule(**params)  # __init__ only stores, as scikit-learn requires
    with pytest.raises(ValueError, match=message):
        schedule.epochs_to_reach(0.5)


@pytest.mark.parametrize("call, message", [
    (lambda schedule: schedule.fraction(0), "epoch"),
    (lambda schedule: schedule.fraction(1.5), "epoch"),
    (lambda schedule: schedule.epochs_to_reach(1.0), "target"),
])
def test_methods_validate_their_arguments(call, message):
    with pytest.raises((ValueError, TypeError), match=message):
        call(PruningSchedule(start=3))
