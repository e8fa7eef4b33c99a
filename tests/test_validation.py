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


def test_fit_warnings_point_at_the_callers_line():
    """Warnings raised deep inside fit name the user's file, not a skembed module."""
    import warnings

    import numpy as np
    import pandas as pd

    from skembed import EntityEmbeddingEncoder

    X = pd.DataFrame({"c": list("abc") * 20, "empty": [None] * 60})
    y = np.arange(60) % 5 + 1  # ratings 1-5: the ambiguous-integer warning too
    for method in ("fit", "fit_transform"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            getattr(
                EntityEmbeddingEncoder(categorical_features=["c", "empty"], max_iter=1), method
            )(X, y)
        files = {w.filename for w in caught if issubclass(w.category, UserWarning)}
        assert files == {__file__}, files
