"""The target: what ``y`` is (binary, multiclass, multilabel, continuous) and how it trains."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
from sklearn.utils.multiclass import type_of_target

from ._stats import weighted_mean_std
from ._validation import caller_stacklevel
from ._values import build_lookup, is_missing, lookup_codes

__all__ = [
    "MAX_AUTO_CLASSES",
    "EncodedTarget",
    "describe_target",
    "detect_target_type",
    "encode_target",
]

MAX_AUTO_CLASSES = 20  # more distinct integers in y are a quantity under "auto"

_DETECTED = {
    "binary": "binary",
    "multiclass": "multiclass",
    "continuous": "continuous",
    "continuous-multioutput": "continuous",
    "multilabel-indicator": "multilabel-indicator",
}


@dataclass(frozen=True)
class EncodedTarget:
    """``y`` as the network trains on it.

    Attributes
    ----------
    values : ndarray of shape (n_rows, n_outputs) float32, or (n_rows,) int64 for multiclass
    task : {"binary", "multiclass", "continuous"}
        The loss the network uses (multilabel targets train as several binary outputs).
    n_outputs : int
    target_type : str
        The fitted ``target_type_``.
    classes : ndarray or None
        The fitted ``classes_``.
    scaling : (ndarray, ndarray) or None
        Mean and standard deviation that standardized a continuous ``y``.
    """

    values: np.ndarray
    task: str
    n_outputs: int
    target_type: str
    classes: np.ndarray | None
    scaling: tuple | None = None


def detect_target_type(y: np.ndarray, target_type: str) -> str:
    """``target_type``, or under ``"auto"`` what ``y`` is (:func:`integer_target_type`)."""
    if target_type != "auto":
        return target_type
    with np.errstate(invalid="ignore", over="ignore"):  # its int cast of 1e308
        detected = type_of_target(y, input_name="y", raise_unknown=True)
    kind = _DETECTED.get(detected)
    if kind is None:
        raise ValueError(
            f"Unsupported target: type_of_target(y) is {detected!r}. Expected a "
            "binary, multiclass, continuous or multilabel-indicator target; set "
            "target_type to say how to treat y."
        )
    if kind == "multiclass" and y.ndim == 1 and y.dtype.kind in "iuf":
        return integer_target_type(np.unique(y))
    return kind


def describe_target(target_type: str, classes) -> str:
    """The loss a fitted ``target_type_`` trains, for ``verbose`` and the CLI summary."""
    if target_type == "multiclass":
        return f"target_type 'multiclass' ({len(classes)} classes, softmax cross-entropy)"
    if target_type == "binary":
        return "target_type 'binary' (binary cross-entropy)"
    if target_type == "self-supervised":
        return "no target: self-supervised (each row predicts a hidden column)"
    loss = "mean squared error" if target_type == "continuous" else "binary cross-entropy"
    return f"target_type {target_type!r} ({loss})"


def integer_target_type(values: np.ndarray) -> str:
    """The ``"auto"`` rule for a numeric ``y`` of more than two distinct integers.

    ``values`` are the distinct values. Up to :data:`MAX_AUTO_CLASSES` of them are
    classes (``"multiclass"``), as :func:`type_of_target` says; more are a quantity
    (``"continuous"``, mean squared error). Measured on validation splits of the
    suite (``benchmarks/results/integer_target.md``): a softmax over 5 ratings or 33
    inspection scores ties the regression loss, one over 813 distinct earnings is
    6-47% worse. Warns when the integers may mean the other thing: classes that are
    not the codes ``0 .. k-1`` (ratings 1-5), or more classes that are.
    """
    k = len(values)
    codes = bool(np.array_equal(values, np.arange(k)))
    if k <= MAX_AUTO_CLASSES:
        if not codes:
            warnings.warn(
                f"y holds {k} distinct integers ({values[0]:g} to {values[-1]:g}), so "
                f"target_type='auto' trains a {k}-class softmax ('multiclass'). If they are "
                "quantities (ratings, counts, scores), pass target_type='continuous'; pass "
                "target_type='multiclass' to keep this choice without the warning.",
                UserWarning,
                stacklevel=caller_stacklevel(),
            )
        return "multiclass"
    if codes:
        warnings.warn(
            f"y holds the {k} integers 0 to {k - 1}, so target_type='auto' treats it as a "
            f"quantity ('continuous'): more than {MAX_AUTO_CLASSES} distinct integers are "
            "rarely class labels. If they are codes of classes, pass "
            "target_type='multiclass'; pass target_type='continuous' to silence this.",
            UserWarning,
            stacklevel=caller_stacklevel(),
        )
    return "continuous"


def known_class_codes(y: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """Index of each label of ``y`` in ``classes``; raise on a label not among them."""
    position = lookup_codes(build_lookup(classes), y)
    if (position < 0).any():
        new = np.unique(y[position < 0])[:5].tolist()
        raise ValueError(
            f"y has classes {new} outside the classes this fit keeps, "
            f"{np.asarray(classes).tolist()[:20]} (partial_fit's classes=, or those of the "
            "fit it continues). Pass every class to the first partial_fit call, or fit "
            "afresh (warm_start=False) to learn them."
        )
    return position


def check_classes(kind: str, classes: np.ndarray) -> None:
    """Raise if a classification target has one class, or a binary one more than two."""
    if len(classes) < 2:
        only = classes[0].item() if isinstance(classes[0], np.generic) else classes[0]
        raise ValueError(
            f"y has one class ({only!r}), so there is nothing to learn from it; "
            "a classifier needs at least 2 classes. Check y, or fit without y (fit(X)) to "
            "learn the embeddings from the columns alone."
        )
    if kind == "binary" and len(classes) > 2:
        raise ValueError(
            f"target_type='binary' but y has {len(classes)} classes; use 'multiclass'."
        )


def check_target_length(y: np.ndarray, n: int) -> None:
    """Raise unless ``y`` has one entry per row of X (``n`` rows)."""
    if y.shape[0] != n:
        raise ValueError(f"X has {n} rows but y has {y.shape[0]}; they must have the same length.")


def encode_target(
    y: np.ndarray, n: int, weight: np.ndarray, target_type: str, classes=None, scaling=None
) -> EncodedTarget:
    """Check ``y`` (1-D or 2-D, ``n`` rows) and turn it into the training target.

    ``classes`` (a continued fit's ``classes_``, or ``partial_fit``'s first
    ``classes``) fixes the classes and their order; ``y`` may then hold any of them,
    and nothing else. ``scaling`` (a continued fit's ``target_scaling_``) standardizes
    a continuous ``y`` as the network was trained on it.
    """
    check_target_length(y, n)
    if y.ndim == 2 and y.shape[1] == 1 and target_type != "continuous":
        y = y.ravel()
    if y.ndim > 2 or y.ndim == 0:
        raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}.")
    if is_missing(y).any():
        raise ValueError(
            "y contains missing values (NaN or None); the embeddings cannot be "
            "trained on them. Drop those rows or impute y."
        )
    kind = detect_target_type(y, target_type)
    if kind in ("binary", "multiclass"):
        if y.ndim != 1:
            raise ValueError(f"target_type={kind!r} needs a 1-D y, got shape {y.shape}.")
        if classes is None:
            classes, codes = np.unique(y, return_inverse=True)
            check_classes(kind, classes)
        else:
            check_classes(kind, classes)
            codes = known_class_codes(y, classes)
        if kind == "binary":
            return EncodedTarget(codes.astype(np.float32).reshape(-1, 1), kind, 1, kind, classes)
        return EncodedTarget(codes.astype(np.int64), kind, len(classes), kind, classes)
    values = numeric_target(y, kind).reshape(n, -1)
    if kind == "multilabel-indicator":
        return EncodedTarget(values.astype(np.float32), "binary", values.shape[1], kind, None)
    mean, scale = weighted_mean_std(values, weight) if scaling is None else scaling
    standardized = values / scale - mean / scale  # no overflow near 1e308
    return EncodedTarget(
        standardized.astype(np.float32), "continuous", values.shape[1], kind, None, (mean, scale)
    )


def numeric_target(y: np.ndarray, kind: str) -> np.ndarray:
    """``y`` as finite float64, or a ``ValueError`` saying why it is not."""
    try:
        values = y.astype(np.float64)
    except (TypeError, ValueError):
        raise ValueError(
            f"target_type={kind!r} needs a numeric y, got values of dtype {y.dtype}."
        ) from None
    if not np.isfinite(values).all():
        raise ValueError("y contains infinity; expected finite numbers.")
    return values
