"""The target module: what y is, and the array the network trains on."""

import numpy as np
import pytest

from skembed._stats import check_sample_weight, weighted_mean_std
from skembed._target import encode_target


def test_binary_and_multiclass_targets_become_codes():
    """Labels become sorted codes; the classes are kept."""
    binary = encode_target(np.array(["no", "yes", "no"]), 3, np.ones(3), "auto")
    assert binary.task == "binary" and binary.values.ravel().tolist() == [0, 1, 0]
    assert binary.classes.tolist() == ["no", "yes"]
    multi = encode_target(np.array([3, 1, 2]), 3, np.ones(3), "multiclass")
    assert multi.n_outputs == 3 and multi.values.tolist() == [2, 0, 1]


def test_continuous_target_is_standardized_with_weights():
    """A continuous y trains standardized by its weighted mean and std."""
    y = np.array([1.0, 2.0, 3.0, 10.0])
    weight = np.array([1.0, 1.0, 1.0, 0.0])
    encoded = encode_target(y, 4, weight, "continuous")
    np.testing.assert_allclose(encoded.values[:3, 0], [-1.2247449, 0.0, 1.2247449], atol=1e-6)


@pytest.mark.parametrize(
    "y, kind, match",
    [
        (np.array([1.0, np.nan]), "auto", "y contains missing values"),
        (np.array([1.0, np.inf]), "continuous", "y contains infinity"),
        (np.array(["a", "b"]), "continuous", "needs a numeric y"),
        (np.array([0, 1, 2]), "binary", "y has 3 classes; use 'multiclass'"),
        (np.zeros((2, 2, 2)), "auto", "y must be 1-D or 2-D"),
    ],
)
def test_bad_targets_say_why(y, kind, match):
    """Each bad y gets an error saying what was expected."""
    with pytest.raises(ValueError, match=match):
        encode_target(y, len(y), np.ones(len(y)), kind)


def test_length_mismatch_names_both_lengths():
    """X and y of different lengths: both numbers are in the message."""
    with pytest.raises(ValueError, match="X has 3 rows but y has 2"):
        encode_target(np.array([0, 1]), 3, np.ones(3), "auto")


def test_sample_weight_checks():
    """Weights default to ones; negative, non-finite or all-zero weights are refused."""
    assert check_sample_weight(None, 3).tolist() == [1.0, 1.0, 1.0]
    with pytest.raises(ValueError, match="finite and non-negative"):
        check_sample_weight(np.array([1.0, -1.0]), 2)
    with pytest.raises(ValueError, match="all are zero"):
        check_sample_weight(np.zeros(2), 2)
    with pytest.raises(ValueError, match=r"expected \(3,\)"):
        check_sample_weight(np.ones(2), 3)


def test_weighted_mean_std_survives_huge_values():
    """Values near the float64 limit give a finite mean and scale; a constant column scale 1."""
    values = np.array([[1e308, 5.0], [-1e308, 5.0]])
    mean, scale = weighted_mean_std(values, np.ones(2))
    assert np.isfinite(mean).all() and np.isfinite(scale).all()
    assert scale[1] == 1.0


def test_a_one_class_target_is_refused():
    """y with one class raises, as scikit-learn's classifiers do, naming the class."""
    with pytest.raises(ValueError, match=r"y has one class \(0\)"):
        encode_target(np.zeros(4, dtype=int), 4, np.ones(4), "auto")


@pytest.mark.parametrize(
    "y, expected, warns",
    [
        (np.arange(300) % 3, "multiclass", None),  # label codes 0..2: silent classes
        (np.arange(300) % 5 + 1, "multiclass", "5-class softmax"),  # ratings 1-5
        (np.arange(300) % 50, "continuous", "0 to 49"),  # many codes: a quantity, said
        ((np.arange(300) % 80) * 100.0 + 20_000, "continuous", None),  # whole dollars
        (np.array(["a", "b", "c"] * 100), "multiclass", None),  # strings are labels
    ],
)
def test_auto_rule_for_integer_targets(y, expected, warns):
    """Up to 20 distinct integers are classes, more a quantity; ambiguous cases warn."""
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        target = encode_target(y, len(y), np.ones(len(y)), "auto")
    assert target.target_type == expected
    messages = [str(w.message) for w in caught if issubclass(w.category, UserWarning)]
    if warns is None:
        assert messages == []
    else:
        assert len(messages) == 1 and warns in messages[0]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # naming the type explicitly never warns
        assert encode_target(y, len(y), np.ones(len(y)), expected).target_type == expected


def test_auto_rule_on_real_integer_targets():
    """Restaurant scores (33 values) train as a quantity; movielens ratings (1-5) as classes."""
    import pandas as pd

    from conftest import shared_dataset
    from skembed import EntityEmbeddingEncoder

    frame = pd.read_parquet(shared_dataset("suite/restaurant_inspections.parquet")).iloc[:3000]
    X = frame[["business_name"]]
    encoder = EntityEmbeddingEncoder(max_iter=1, random_state=0, verbose=1)
    encoder.fit(X, frame["inspection_score"])
    assert encoder.target_type_ == "continuous" and encoder.classes_ is None
    ratings = pd.read_parquet(shared_dataset("movielens100k.parquet")).iloc[:3000]
    with pytest.warns(UserWarning, match="target_type='continuous'"):
        encoder.fit(ratings[["user_id", "movie_id"]].astype(str), ratings["rating"])
    assert encoder.target_type_ == "multiclass" and encoder.classes_.tolist() == [1, 2, 3, 4, 5]


def test_dask_fit_uses_the_same_integer_rule():
    """A Dask fit chooses the target type by the in-memory rule."""
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    from skembed import EntityEmbeddingEncoder

    frame = pd.DataFrame({"c": np.arange(400) % 7, "y": (np.arange(400) % 40) * 2.0})
    ddf = dd.from_pandas(frame.astype({"c": str}), npartitions=2)
    encoder = EntityEmbeddingEncoder(max_iter=1, random_state=0).fit(ddf[["c"]], ddf["y"])
    assert encoder.target_type_ == "continuous"


def test_verbose_says_which_target_type(capsys):
    """verbose prints the target type and its loss before training."""
    import pandas as pd

    from skembed import EntityEmbeddingEncoder

    X = pd.DataFrame({"c": list("abc") * 40})
    EntityEmbeddingEncoder(max_iter=1, verbose=1).fit(X, np.arange(120) % 3)
    assert "target_type 'multiclass' (3 classes, softmax cross-entropy)" in capsys.readouterr().out
