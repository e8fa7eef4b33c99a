"""Parameter validation: the constraint types and the error that names what was expected."""

import numbers

import pytest

from skembed import EntityEmbeddingEncoder
from skembed._validation import Interval, InvalidParameterError, Options, validate_params


def test_every_parameter_has_constraints():
    """No constructor parameter escapes validation."""
    encoder = EntityEmbeddingEncoder()
    assert set(encoder.get_params()) == set(encoder._parameter_constraints)


@pytest.mark.parametrize(
    "params, match",
    [
        ({"max_iter": 0}, r"'max_iter' parameter .* must be an int in the range \[1, inf\)"),
        ({"handle_unknown": "explode"}, r"'handle_unknown' .* Got 'explode' instead"),
        ({"n_jobs": 0}, r"'n_jobs' parameter"),
        ({"dropout": 1.0}, r"'dropout' parameter"),
    ],
)
def test_bad_values_name_the_parameter_and_the_expectation(params, match):
    """validate_params raises InvalidParameterError (a ValueError) naming the parameter."""
    with pytest.raises(InvalidParameterError, match=match):
        validate_params(EntityEmbeddingEncoder(**params))
    assert issubclass(InvalidParameterError, ValueError)


def test_interval_and_options_constraints():
    """Interval respects its closed ends and type; Options is membership."""

    class Estimator:
        _parameter_constraints = {
            "rate": [Interval(numbers.Real, 0, 1, closed="left")],
            "mode": [Options({"a", "b"})],
        }

        def __init__(self, rate=0.0, mode="a"):
            self.rate, self.mode = rate, mode

        def get_params(self, deep=False):
            return {"rate": self.rate, "mode": self.mode}

    validate_params(Estimator(0.0, "b"))
    for bad in (Estimator(1.0, "a"), Estimator(0.5, "c")):
        with pytest.raises(InvalidParameterError):
            validate_params(bad)
