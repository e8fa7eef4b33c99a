"""Parameter validation driven by an estimator's ``_parameter_constraints``; fits that
leave the estimator as it was when they fail (:func:`all_or_nothing`).

scikit-learn's own machinery for this lives in a private module, so skembed
carries this small, stable equivalent: each parameter maps to a list of
constraints, and a value is valid when it satisfies at least one of them.

A constraint is one of

* ``None`` -- the value ``None``;
* a type (``dict``, ``str``, ...) -- ``isinstance`` (bools are not numbers);
* :class:`Interval` -- a real or integral number in a range;
* :class:`Options` -- one of a set of values;
* ``"boolean"``, ``"callable"``, ``"array-like"``, ``"random_state"``,
  ``"float dtype"``, ``"int sequence"`` -- see :func:`_satisfies`.
"""

from __future__ import annotations

import numbers
from dataclasses import dataclass

import numpy as np

__all__ = [
    "Interval",
    "InvalidParameterError",
    "Options",
    "all_or_nothing",
    "caller_stacklevel",
    "validate_params",
]


class InvalidParameterError(ValueError, TypeError):
    """A constructor parameter has a value of the wrong type or out of range."""


@dataclass(frozen=True)
class Interval:
    kind: type  # numbers.Integral or numbers.Real
    left: float | None
    right: float | None
    closed: str = "both"  # "both", "left", "right", "neither"

    def contains(self, value) -> bool:
        if isinstance(value, bool) or not isinstance(value, self.kind):
            return False
        if self.kind is numbers.Real and not np.isfinite(value) and value == value:
            return self.right is None and value > 0
        if value != value:  # NaN
            return False
        if self.left is not None:
            if value < self.left or (value == self.left and self.closed in ("right", "neither")):
                return False
        if self.right is not None:
            if value > self.right or (value == self.right and self.closed in ("left", "neither")):
                return False
        return True

    def __str__(self) -> str:
        kind = "an int" if self.kind is numbers.Integral else "a float"
        lo = "-inf" if self.left is None else self.left
        hi = "inf" if self.right is None else self.right
        left = "[" if self.closed in ("both", "left") and self.left is not None else "("
        right = "]" if self.closed in ("both", "right") and self.right is not None else ")"
        return f"{kind} in the range {left}{lo}, {hi}{right}"


@dataclass(frozen=True)
class Options:
    values: frozenset

    def __init__(self, values):
        object.__setattr__(self, "values", frozenset(values))

    def __str__(self) -> str:
        return "one of " + ", ".join(repr(v) for v in sorted(self.values, key=str))


def _is_array_like(value) -> bool:
    return hasattr(value, "__len__") and not isinstance(value, (str, bytes, dict))


def _satisfies(value, constraint) -> bool:
    if constraint is None:
        return value is None
    if isinstance(constraint, (Interval, Options)):
        if isinstance(constraint, Options):
            return isinstance(value, str) and value in constraint.values
        return constraint.contains(value)
    if isinstance(constraint, type):
        return isinstance(value, constraint)
    if constraint == "boolean":
        return isinstance(value, (bool, np.bool_))
    if constraint == "callable":
        return callable(value) and not isinstance(value, type)
    if constraint == "array-like":
        return _is_array_like(value)
    if constraint == "random_state":
        return value is None or isinstance(value, (numbers.Integral, np.random.RandomState))
    if constraint == "float dtype":
        try:
            return np.dtype(value) in (np.dtype(np.float32), np.dtype(np.float64))
        except TypeError:
            return False
    if constraint == "cv object":  # a splitter, or an iterable of (train, test) pairs
        splitter = hasattr(value, "split") and hasattr(value, "get_n_splits")
        return splitter or (hasattr(value, "__iter__") and not isinstance(value, (str, dict)))
    if constraint == "int sequence":
        return _is_array_like(value) and all(
            isinstance(v, numbers.Integral) and not isinstance(v, bool) and v >= 1 for v in value
        )
    raise ValueError(f"Unknown constraint {constraint!r}")  # a bug in skembed


_DESCRIPTIONS = {
    "boolean": "a bool",
    "callable": "a callable",
    "array-like": "an array-like (list of names, indices or a boolean mask)",
    "cv object": "a cross-validation splitter or an iterable of (train, test) index pairs",
    "random_state": "an int, a numpy.random.RandomState instance or None",
    "float dtype": "numpy.float32 or numpy.float64",
    "int sequence": "a sequence of positive ints",
}


def _describe(constraint) -> str:
    if constraint is None:
        return "None"
    if isinstance(constraint, type):
        return f"an instance of {constraint.__name__!r}"
    if isinstance(constraint, str):
        return _DESCRIPTIONS[constraint]
    return str(constraint)


def validate_params(estimator) -> None:
    """Check every constructor parameter of ``estimator`` against its constraints.

    Raises
    ------
    InvalidParameterError
        Naming the parameter, what it must be and what it got.
    """
    constraints = estimator._parameter_constraints
    for name, value in estimator.get_params(deep=False).items():
        allowed = constraints[name]
        if allowed == "no_validation" or any(_satisfies(value, c) for c in allowed):
            continue
        expected = " or ".join(_describe(c) for c in allowed)
        raise InvalidParameterError(
            f"The {name!r} parameter of {type(estimator).__name__} must be {expected}. "
            f"Got {value!r} instead."
        )


def caller_stacklevel() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside skembed.

    Warnings raised deep in a fit (an all-missing column, an id left continuous, an
    ambiguous integer target) then name the user's line, however many internal calls
    (in-memory, Dask, cross-fitting, a Pipeline) lie between.
    """
    import sys

    inside = (__name__.rsplit(".", 1)[0] + ".", "sklearn.utils.")  # and set_output's wrapper
    frame, level = sys._getframe(1), 1
    while frame is not None and frame.f_globals.get("__name__", "").startswith(inside):
        frame, level = frame.f_back, level + 1
    return level


def all_or_nothing(estimator, step, *args) -> None:
    """Run ``step(*args)``; if it raises (or is interrupted), restore ``estimator``'s state."""
    snapshot = dict(estimator.__dict__)
    try:
        step(*args)
    except BaseException:
        estimator.__dict__.clear()
        estimator.__dict__.update(snapshot)
        raise
