"""Data sets for trying entity embeddings: a synthetic generator and a real table.

* :func:`make_categorical` draws categorical data whose categories have known
  "true" vectors, so that learned embeddings can be compared with them.
* :func:`load_adult_sample` loads a 10,000-row sample of the UCI Adult
  (census income) table that ships with the package.
"""

from __future__ import annotations

import numbers
from importlib import resources

import numpy as np
import pandas as pd
from sklearn.utils import Bunch, check_random_state

__all__ = ["load_adult_sample", "make_categorical"]

ADULT_CATEGORICAL = [
    "workclass",
    "education",
    "marital-status",
    "occupation",
    "relationship",
    "race",
    "gender",
    "native-country",
]
ADULT_CONTINUOUS = [
    "age",
    "fnlwgt",
    "educational-num",
    "capital-gain",
    "capital-loss",
    "hours-per-week",
]
ADULT_TARGET = "income"
_ADULT_FILE = "adult_sample.csv.gz"


def _string_dtype():
    """pandas' string dtype with NaN as missing value (the default ``str`` of pandas 3)."""
    try:
        return pd.StringDtype(na_value=np.nan)
    except TypeError:  # pandas < 2.3 has only the pd.NA variant
        return pd.StringDtype()


def _check_int(name, value, low):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < low:
        raise ValueError(f"{name} must be an int >= {low}, got {value!r}.")
    return int(value)


def _check_real(name, value):
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not np.isfinite(value)
        or value < 0
    ):
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}.")
    return float(value)


def make_categorical(
    n_rows=5000,
    *,
    cardinalities=(5, 30, 200),
    n_continuous=2,
    task="binary",
    n_classes=3,
    embedding_dim=2,
    noise=0.2,
    skew=1.0,
    random_state=None,
):
    """Generate categorical data whose categories have known true vectors.

    Every category of every categorical column gets a random "true" vector;
    the target depends on the rows' categories only through these vectors
    (and on the continuous features). An encoder that learns good embeddings
    should therefore place categories with similar true vectors close to each
    other, which the true vectors returned here let you check.

    The generator, with ``m = len(cardinalities)`` and ``d = embedding_dim``:

    1. Column ``i`` has ``k_i = cardinalities[i]`` categories labelled
       ``f"c{i}_{k}"`` for ``k = 0, ..., k_i - 1``. Category ``k`` is drawn
       with probability proportional to ``(k + 1) ** -skew`` (Zipf-like:
       ``"c{i}_0"`` is the most frequent; ``skew=0`` gives uniform
       frequencies). Its true vector is drawn from ``N(0, I_d)``.
    2. The continuous features ``x0, x1, ...`` are standard normal.
    3. Each row gets a latent position ``r`` in ``R^d``: the sum of its
       categories' true vectors plus a random linear map of its continuous
       features, divided by ``sqrt(m + 1)`` (``sqrt(m)`` without continuous
       features) so that its coordinates have unit variance.
    4. The score is minus the squared distance of ``r`` to a random centre
       (``task="binary"`` or ``"continuous"``), or to one random centre per
       class (``"multiclass"``); scores are standardized and Gaussian noise
       of standard deviation ``noise`` is added. Because
       ``||r - c||^2`` contains the products ``v_i . v_j`` of the vectors of
       different columns and of the vectors with the continuous features,
       the effect of a category depends on its whole vector, not only on a
       projection of it: all ``d`` directions are identifiable.
    5. ``"binary"``: ``y = 1`` where the noisy score is above its median
       (balanced classes); ``"continuous"``: ``y`` is the noisy score;
       ``"multiclass"``: ``y`` is the class of the highest noisy score.

    Everything is vectorised: there is no Python loop over rows.

    Parameters
    ----------
    n_rows : int, default=5000
        Number of rows.
    cardinalities : sequence of int, default=(5, 30, 200)
        Number of categories of each categorical column; one column per
        entry, named ``"c0"``, ``"c1"``, ... Rare categories of a large,
        skewed column may not appear in ``X`` at all.
    n_continuous : int, default=2
        Number of continuous columns, named ``"x0"``, ``"x1"``, ...
    task : {"binary", "multiclass", "continuous"}, default="binary"
        Type of the target.
    n_classes : int, default=3
        Number of classes when ``task="multiclass"``; ignored otherwise.
    embedding_dim : int, default=2
        Dimension ``d`` of the true vectors.
    noise : float, default=0.2
        Standard deviation of the noise added to the standardized score;
        0 gives a deterministic target, 1 noise as strong as the signal.
    skew : float, default=1.0
        Exponent of the Zipf-like category frequencies; 0 for uniform.
    random_state : int, RandomState instance or None, default=None
        Seed of all draws. An int gives the same data on every call.

    Returns
    -------
    X : pandas.DataFrame of shape (n_rows, len(cardinalities) + n_continuous)
        Categorical columns ``"c0", "c1", ...`` of pandas string dtype with
        values like ``"c0_17"``, then continuous float64 columns ``"x0",
        "x1", ...``.
    y : ndarray of shape (n_rows,)
        int64 labels ``0, 1`` (binary) or ``0, ..., n_classes - 1``
        (multiclass), float64 values (continuous).
    true_vectors : list of pandas.DataFrame
        One per categorical column. ``true_vectors[i]`` has shape
        ``(cardinalities[i], embedding_dim)``, is indexed by the labels
        ``"c{i}_0", "c{i}_1", ...`` in this order (index name ``"c{i}"``),
        and has columns ``"true0", "true1", ...``. So
        ``true_vectors[i].loc["c1_17"]`` is the vector of category
        ``"c1_17"``, and ``true_vectors[i].to_numpy()[k]`` the vector of
        label ``f"c{i}_{k}"``. To line it up with a fitted encoder, index by
        label, e.g. ``enc.get_embeddings("c1").loc[true_vectors[1].index]``
        (the encoder sorts its categories as strings, so ``"c1_10"`` comes
        before ``"c1_2"``; drop labels the encoder did not keep first).

    See Also
    --------
    load_adult_sample : a real table with categorical columns.

    Examples
    --------
    >>> from skembed.datasets import make_categorical
    >>> X, y, true_vectors = make_categorical(
    ...     n_rows=1000, cardinalities=(4, 20), embedding_dim=3, random_state=0
    ... )
    >>> X.shape
    (1000, 4)
    >>> X.columns.tolist()
    ['c0', 'c1', 'x0', 'x1']
    >>> X["c1"].value_counts().index[:3].tolist()  # Zipf-like: c1_0 most frequent
    ['c1_0', 'c1_1', 'c1_2']
    >>> float(y.mean())
    0.5
    >>> true_vectors[1].shape
    (20, 3)
    >>> true_vectors[1].index[:3].tolist()
    ['c1_0', 'c1_1', 'c1_2']
    >>> true_vectors[1].columns.tolist()
    ['true0', 'true1', 'true2']
    """
    n_rows = _check_int("n_rows", n_rows, 2)
    if isinstance(cardinalities, (str, bytes)) or not hasattr(cardinalities, "__len__"):
        raise ValueError(
            f"cardinalities must be a sequence of ints >= 1, one per categorical column; "
            f"got {cardinalities!r}."
        )
    if len(cardinalities) == 0:
        raise ValueError("cardinalities must name at least one categorical column; got ().")
    cardinalities = [_check_int("every entry of cardinalities", k, 1) for k in cardinalities]
    n_continuous = _check_int("n_continuous", n_continuous, 0)
    if task not in ("binary", "multiclass", "continuous"):
        raise ValueError(f"task must be 'binary', 'multiclass' or 'continuous'; got {task!r}.")
    n_classes = _check_int("n_classes", n_classes, 2)
    d = _check_int("embedding_dim", embedding_dim, 1)
    noise = _check_real("noise", noise)
    skew = _check_real("skew", skew)
    rng = check_random_state(random_state)

    m = len(cardinalities)
    vectors = [rng.standard_normal((k, d)) for k in cardinalities]
    codes = []
    for k in cardinalities:
        weights = np.arange(1, k + 1, dtype=np.float64) ** -skew
        codes.append(rng.choice(k, size=n_rows, p=weights / weights.sum()))
    continuous = rng.standard_normal((n_rows, n_continuous))
    mixing = rng.standard_normal((n_continuous, d)) / np.sqrt(max(n_continuous, 1))

    latent = continuous @ mixing
    for table, code in zip(vectors, codes):
        latent += table[code]
    latent /= np.sqrt(m + (n_continuous > 0))

    if task == "multiclass":
        centres = rng.standard_normal((n_classes, d))
        score = -((latent[:, None, :] - centres[None, :, :]) ** 2).sum(axis=2)
        score = (score - score.mean(axis=0)) / max(score.std(), 1e-12)
        noisy = score + noise * rng.standard_normal(score.shape)
        y = np.argmax(noisy, axis=1).astype(np.int64)
    else:
        centre = 0.5 * rng.standard_normal(d)
        score = -((latent - centre) ** 2).sum(axis=1)
        score = (score - score.mean()) / max(score.std(), 1e-12)
        noisy = score + noise * rng.standard_normal(n_rows)
        if task == "binary":
            y = (noisy > np.median(noisy)).astype(np.int64)
        else:
            y = noisy

    string = _string_dtype()
    columns = {}
    true_vectors = []
    for i, (table, code) in enumerate(zip(vectors, codes)):
        labels = np.array([f"c{i}_{k}" for k in range(len(table))], dtype=object)
        columns[f"c{i}"] = pd.Series(labels[code], dtype=string)
        true_vectors.append(
            pd.DataFrame(
                table,
                index=pd.Index(labels, dtype=object, name=f"c{i}"),
                columns=[f"true{k}" for k in range(d)],
            )
        )
    for j in range(n_continuous):
        columns[f"x{j}"] = continuous[:, j]
    return pd.DataFrame(columns), y, true_vectors


def load_adult_sample(return_X_y=True):
    """Load a 10,000-row sample of the UCI Adult (census income) data set.

    The task is to predict whether a person's income exceeds $50K a year
    from census attributes. The sample ships with skembed
    (``skembed/data/adult_sample.csv.gz``, about 120 KB), so this needs no
    network and no other file.

    ================  ==================================================
    Rows              10,000 (24% positive)
    Categorical (8)   workclass, education, marital-status, occupation,
                      relationship, race, gender, native-country
    Continuous (6)    age, fnlwgt, educational-num, capital-gain,
                      capital-loss, hours-per-week
    Target            income: 1 for ">50K", 0 for "<=50K"
    ================  ==================================================

    Values recorded as ``"?"`` in the source (unknown workclass, occupation
    or native-country) are missing values (NaN) here.

    Parameters
    ----------
    return_X_y : bool, default=True
        Return ``(X, y)``. If False, return a :class:`~sklearn.utils.Bunch`
        instead.

    Returns
    -------
    X : pandas.DataFrame of shape (10000, 14)
        The 14 features in the source's column order. Categorical columns
        have pandas string dtype, continuous columns int64.
    y : ndarray of shape (10000,), dtype int64
        1 where income is ``">50K"``, else 0.
    data : sklearn.utils.Bunch
        Only when ``return_X_y=False``, with fields ``data`` (``X``),
        ``target`` (``y``), ``frame`` (``X`` with the ``income`` column
        holding the original labels), ``feature_names``,
        ``categorical_features``, ``continuous_features``, ``target_names``
        (``["<=50K", ">50K"]``) and ``DESCR``.

    Notes
    -----
    Source: the Adult data set (also known as "Census Income") of the UCI
    Machine Learning Repository, by Barry Becker and Ronny Kohavi, extracted
    from the 1994 US Census database, https://doi.org/10.24432/C5XW20,
    licensed under Creative Commons Attribution 4.0 (CC BY 4.0). The 48,842
    rows of its train and test files were combined; this is a simple random
    sample of 10,000 of them (``DataFrame.sample(n=10000, random_state=0)``),
    otherwise unchanged.

    Examples
    --------
    >>> from skembed.datasets import load_adult_sample
    >>> X, y = load_adult_sample()
    >>> X.shape, y.shape
    ((10000, 14), (10000,))
    >>> X["education"].value_counts().index[0]
    'HS-grad'
    >>> round(float(y.mean()), 2)
    0.24
    """
    source = resources.files("skembed").joinpath("data", _ADULT_FILE)
    with resources.as_file(source) as path:
        frame = pd.read_csv(
            path,
            compression="gzip",
            na_values=["?"],
            keep_default_na=False,
            dtype={name: "object" for name in ADULT_CATEGORICAL + [ADULT_TARGET]},
        )
    string = _string_dtype()
    for name in ADULT_CATEGORICAL + [ADULT_TARGET]:
        frame[name] = frame[name].astype(string)
    frame[ADULT_CONTINUOUS] = frame[ADULT_CONTINUOUS].astype(np.int64)
    target_names = ["<=50K", ">50K"]
    labels = frame[ADULT_TARGET].to_numpy(dtype=object)
    unexpected = set(labels) - set(target_names)
    if unexpected:  # a damaged data file
        raise ValueError(f"Unexpected income labels {sorted(unexpected)} in {_ADULT_FILE}.")
    y = (labels == ">50K").astype(np.int64)
    feature_names = [name for name in frame.columns if name != ADULT_TARGET]
    X = frame[feature_names].copy()
    if return_X_y:
        return X, y
    return Bunch(
        data=X,
        target=y,
        frame=frame,
        feature_names=feature_names,
        categorical_features=list(ADULT_CATEGORICAL),
        continuous_features=list(ADULT_CONTINUOUS),
        target_names=target_names,
        DESCR=load_adult_sample.__doc__,
    )
