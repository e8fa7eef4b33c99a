"""Behaviour of EntityEmbeddingEncoder: categories, rows, output, targets, determinism."""

import pickle

import numpy as np
import pandas as pd
import pytest

from conftest import make_frame
from skembed import EntityEmbeddingEncoder, auto_embedding_dim

FAST = dict(max_iter=4, random_state=0)


def test_output_layout_and_names(frame):
    """Each categorical column is replaced in place by its block; the others keep their place."""
    X, y = frame
    enc = EntityEmbeddingEncoder(embedding_dim={"city": 3, "colour": 2}, **FAST).fit(X, y)
    Z = enc.transform(X)
    assert Z.shape == (len(X), 3 + 2 + 2)
    assert Z.dtype == np.float32
    assert enc.get_feature_names_out().tolist() == [
        "city_emb0", "city_emb1", "city_emb2", "age", "colour_emb0", "colour_emb1", "income",
    ]  # fmt: skip
    np.testing.assert_allclose(Z[:, 3], X["age"], rtol=1e-6)  # passed through untouched
    np.testing.assert_allclose(Z[:, 6], X["income"], rtol=1e-6)
    np.testing.assert_array_equal(Z[:, 4:6], enc.get_embeddings("colour").loc[X["colour"]])
    assert enc.categorical_columns_.tolist() == [0, 2]
    assert enc.continuous_columns_.tolist() == [1, 3]


def test_transform_is_a_lookup_of_embeddings(frame):
    """Each output block equals the embedding row of the category in that row."""
    X, y = frame
    enc = EntityEmbeddingEncoder(min_frequency=None, **FAST).fit(X, y)
    Z = enc.transform(X)
    table = enc.get_embeddings("city")
    expected = table.loc[X["city"]].to_numpy()
    np.testing.assert_array_equal(Z[:, : table.shape[1]], expected)


def test_categories_line_up_with_embeddings(frame):
    """categories_[i] has one row in embeddings_[i], plus unknown and missing rows."""
    X, y = frame
    enc = EntityEmbeddingEncoder(**FAST).fit(X, y)
    for cats, table, dim in zip(enc.categories_, enc.embeddings_, enc.embedding_dims_):
        assert table.shape == (len(cats) + 2, dim)
        assert list(cats) == sorted(cats)
    frame_ = enc.get_embeddings("colour")
    assert frame_.index.tolist() == ["blue", "green", "red", "<unknown>", "<missing>"]
    np.testing.assert_array_equal(frame_.to_numpy(), enc.embeddings_[1])


def test_rare_categories_pooled_into_trained_unknown_row(frame):
    """A category below min_frequency maps to the unknown row, which was trained."""
    X, y = frame
    assert (X["city"] == "rare").sum() < 5
    enc = EntityEmbeddingEncoder(min_frequency=5, unknown_rate=0.0, **FAST).fit(X, y)
    assert "rare" not in enc.categories_[0]
    assert enc.infrequent_categories_[0].tolist() == ["rare"]
    unknown = enc.get_embeddings("city").loc["<unknown>"].to_numpy()
    Z = enc.transform(
        pd.DataFrame(
            {
                "city": ["rare", "never-seen"],
                "age": [30, 30],
                "colour": ["red", "red"],
                "income": [1.0, 1.0],
            }
        )
    )
    np.testing.assert_array_equal(Z[0, : len(unknown)], unknown)
    np.testing.assert_array_equal(Z[1, : len(unknown)], unknown)
    # the untrained init of a row is N(0, 0.05); a trained row moved away from it
    untrained = EntityEmbeddingEncoder(
        unknown_rate=0.0,
        max_iter=1,
        learning_rate_init=1e-12,
        random_state=0,
        early_stopping=False,
    ).fit(X, y)
    assert not np.allclose(unknown, untrained.get_embeddings("city").loc["<unknown>"])


def test_unknown_row_trained_without_pooled_categories(frame):
    """With nothing pooled, unknown_rate still trains the unknown row."""
    X, y = frame
    common = dict(min_frequency=None, max_iter=3, random_state=0, early_stopping=False)
    trained = EntityEmbeddingEncoder(unknown_rate=0.2, **common).fit(X, y)
    frozen = EntityEmbeddingEncoder(unknown_rate=0.2, learning_rate_init=1e-12, **common)
    frozen.fit(X, y)
    row = trained.get_embeddings("colour").loc["<unknown>"].to_numpy()
    init = frozen.get_embeddings("colour").loc["<unknown>"].to_numpy()
    assert np.abs(row - init).max() > 1e-3


def test_unknown_row_is_weighted_mean_when_untrained(frame):
    """With no pooling and unknown_rate=0 the unknown row is the frequency-weighted mean."""
    X, y = frame
    enc = EntityEmbeddingEncoder(min_frequency=None, unknown_rate=0.0, **FAST).fit(X, y)
    table = enc.get_embeddings("colour")
    counts = X["colour"].value_counts().reindex(enc.categories_[1]).to_numpy()
    expected = counts @ table.iloc[:3].to_numpy() / counts.sum()
    np.testing.assert_allclose(table.loc["<unknown>"], expected, rtol=1e-5)


def test_missing_values_get_their_own_row():
    """None, NaN and pd.NA share the trained missing row, distinct from unknown."""
    X, y = make_frame(600)
    X["city"] = X["city"].astype(object)
    X.loc[::7, "city"] = None
    X.loc[3::14, "city"] = np.nan
    X.loc[5::21, "city"] = pd.NA
    enc = EntityEmbeddingEncoder(**FAST).fit(X, y)
    table = enc.get_embeddings("city")
    missing = table.loc["<missing>"].to_numpy()
    assert not np.allclose(missing, table.loc["<unknown>"])
    Z = enc.transform(X)
    for value in (None, np.nan, pd.NA):
        rows = X["city"].map(lambda v, value=value: v is value).to_numpy()
        if rows.any():
            expected = np.tile(missing, (rows.sum(), 1))
            np.testing.assert_array_equal(Z[rows, : len(missing)], expected)


def test_missing_at_transform_only_uses_unknown_row(frame):
    """A column without missing values in fit maps missing values to the unknown row."""
    X, y = frame
    enc = EntityEmbeddingEncoder(**FAST).fit(X, y)
    table = enc.get_embeddings("colour")
    np.testing.assert_array_equal(table.loc["<missing>"], table.loc["<unknown>"])
    X2 = X.head(3).copy()
    X2["colour"] = [None, np.nan, "red"]
    Z = enc.transform(X2)
    assert np.isfinite(Z).all()


def test_output_always_finite_with_missing_continuous(frame):
    """Under continuous="scale", missing values are imputed with the mean: output is finite."""
    X, y = frame
    X = X.copy()
    X.loc[::3, "age"] = np.nan
    enc = EntityEmbeddingEncoder(continuous="scale", **FAST).fit(X, y)
    assert np.isnan(EntityEmbeddingEncoder(**FAST).fit_transform(X, y)[::3, 2]).all()
    Z = enc.transform(X)
    assert np.isfinite(Z).all()
    age = Z[:, enc.get_feature_names_out().tolist().index("age")]
    assert np.all(age[::3] == 0.0)
    assert abs(np.average(age[X["age"].notna().to_numpy()])) < 1e-5


@pytest.mark.parametrize("mode, width", [("scale", 2), ("passthrough", 2), ("drop", 0)])
def test_continuous_output_modes(frame, mode, width):
    """continuous= chooses standardized, raw or no continuous columns."""
    X, y = frame
    enc = EntityEmbeddingEncoder(continuous=mode, embedding_dim=2, **FAST).fit(X, y)
    Z = enc.transform(X)
    assert Z.shape[1] == 4 + width
    continuous = [2, 5] if width else []  # city_emb0, city_emb1, age, colour_emb0, ...
    if mode == "passthrough":
        np.testing.assert_allclose(Z[:, continuous], X[["age", "income"]], rtol=1e-6)
    if mode == "scale":
        np.testing.assert_allclose(Z[:, continuous].mean(axis=0), 0, atol=1e-5)
        np.testing.assert_allclose(Z[:, continuous].std(axis=0), 1, rtol=1e-4)


def test_dtype_parameter(frame):
    """dtype=np.float64 gives float64 output with the same values."""
    X, y = frame
    z32 = EntityEmbeddingEncoder(**FAST).fit_transform(X, y)
    z64 = EntityEmbeddingEncoder(dtype=np.float64, **FAST).fit_transform(X, y)
    assert z64.dtype == np.float64
    np.testing.assert_allclose(z32, z64, rtol=1e-6, atol=1e-6)


def test_random_state_gives_bitwise_identical_fits(frame):
    """Two fits with the same random_state are bitwise identical; another seed differs."""
    X, y = frame
    a = EntityEmbeddingEncoder(**FAST).fit(X, y)
    b = EntityEmbeddingEncoder(**FAST).fit(X, y)
    c = EntityEmbeddingEncoder(max_iter=4, random_state=1).fit(X, y)
    for ta, tb, tc in zip(a.embeddings_, b.embeddings_, c.embeddings_):
        np.testing.assert_array_equal(ta, tb)
        assert not np.array_equal(ta, tc)
    assert a.loss_curve_ == b.loss_curve_


def test_fit_leaves_torch_global_rng_alone(frame):
    """fit neither reseeds nor advances torch's global random generator."""
    import torch

    X, y = frame
    torch.manual_seed(123)
    expected = torch.rand(3)
    torch.manual_seed(123)
    EntityEmbeddingEncoder(**FAST).fit(X, y)
    np.testing.assert_array_equal(torch.rand(3).numpy(), expected.numpy())


def test_fit_transform_equals_fit_then_transform_in_sample(frame):
    """With cv=None, fit_transform(X, y) is fit(X, y).transform(X)."""
    X, y = frame
    np.testing.assert_array_equal(
        EntityEmbeddingEncoder(cv=None, **FAST).fit_transform(X, y),
        EntityEmbeddingEncoder(cv=None, **FAST).fit(X, y).transform(X),
    )


def test_multiclass_target():
    """A 3-class target trains a softmax head and records classes_."""
    X, y = make_frame(300)
    labels = np.array(["low", "mid", "high"])[(y + (X["age"] > 50)).to_numpy()]
    enc = EntityEmbeddingEncoder(**FAST).fit(X, labels)
    assert enc.target_type_ == "multiclass"
    assert enc.classes_.tolist() == ["high", "low", "mid"]
    assert np.isfinite(enc.transform(X)).all()


def test_binary_target_classes(frame):
    """A binary string target records both classes."""
    X, y = frame
    enc = EntityEmbeddingEncoder(**FAST).fit(X, np.where(y, "yes", "no"))
    assert enc.target_type_ == "binary"
    assert enc.classes_.tolist() == ["no", "yes"]


def test_continuous_and_2d_targets(frame):
    """Float targets, 1-D and 2-D, train a regression head; classes_ is None."""
    X, y = frame
    y1 = X["age"].to_numpy() * 3 + y
    enc = EntityEmbeddingEncoder(**FAST).fit(X, y1)
    assert enc.target_type_ == "continuous" and enc.classes_ is None
    y2 = np.column_stack([y1, -y1 + 0.5])
    enc2 = EntityEmbeddingEncoder(**FAST).fit(X, y2)
    assert enc2.target_type_ == "continuous"
    assert np.isfinite(enc2.transform(X)).all()


def test_target_type_override(frame):
    """target_type='continuous' treats integer ratings as a regression target."""
    X, y = frame
    ratings = (y * 3 + 1).astype(int)
    assert EntityEmbeddingEncoder(**FAST).fit(X, ratings).target_type_ == "binary"
    enc = EntityEmbeddingEncoder(target_type="continuous", **FAST).fit(X, ratings)
    assert enc.target_type_ == "continuous"


def test_multilabel_target(frame):
    """A multilabel indicator matrix trains one binary output per column."""
    X, y = frame
    Y = np.column_stack([y, 1 - y, (X["age"] > 40).astype(int)])
    enc = EntityEmbeddingEncoder(**FAST).fit(X, Y)
    assert enc.target_type_ == "multilabel-indicator"


def test_sample_weight_changes_the_fit_and_ones_do_not(frame):
    """Unit weights give the unweighted fit bitwise; other weights change it."""
    X, y = frame
    plain = EntityEmbeddingEncoder(**FAST).fit(X, y).transform(X)
    ones = EntityEmbeddingEncoder(**FAST).fit(X, y, sample_weight=np.ones(len(y))).transform(X)
    np.testing.assert_array_equal(plain, ones)
    w = np.where(y == 1, 10.0, 0.1)
    weighted = EntityEmbeddingEncoder(**FAST).fit(X, y, sample_weight=w).transform(X)
    assert not np.allclose(plain, weighted)


def test_zero_weight_rows_do_not_influence_training(frame):
    """Rows with weight 0 have no effect on the loss (their labels are irrelevant)."""
    X, y = frame
    w = np.ones(len(y))
    w[:50] = 0
    y_flipped = y.copy()
    y_flipped[:50] = 1 - y_flipped[:50]
    a = EntityEmbeddingEncoder(**FAST).fit(X, y, sample_weight=w)
    b = EntityEmbeddingEncoder(**FAST).fit(X, y_flipped, sample_weight=w)
    np.testing.assert_allclose(a.transform(X), b.transform(X), atol=1e-6)


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("auto", [0]),
        (["city"], [0]),
        ([0], [0]),
        ([True, False, False], [0]),
        (["city", "age"], [0, 1]),
        ([-3], [0]),
    ],
)
def test_categorical_features_specs(frame, spec, expected):
    """categorical_features accepts auto, names, indices and boolean masks."""
    X, y = frame
    X = X.drop(columns="colour")
    enc = EntityEmbeddingEncoder(categorical_features=spec, **FAST).fit(X, y)
    assert enc.categorical_columns_.tolist() == expected


def test_empty_categorical_features_passes_through(frame):
    """With no categorical column, transform returns X as floats (standardized on request)."""
    X, y = frame
    X = X[["age", "income"]]
    enc = EntityEmbeddingEncoder(categorical_features=[], **FAST).fit(X, y)
    assert enc.n_iter_ == 0 and enc.embeddings_ == []
    np.testing.assert_array_equal(enc.transform(X), X.to_numpy(dtype=np.float32))
    enc.set_params(continuous="scale").fit(X, y)
    np.testing.assert_allclose(enc.transform(X).mean(axis=0), 0, atol=1e-5)


def test_numpy_int_and_object_arrays_are_categorical_under_auto():
    """'auto' on an int or object NumPy array embeds every column; floats none."""
    X, y = make_frame(200)
    ints = np.column_stack([X["city"].factorize()[0], X["colour"].factorize()[0]])
    enc = EntityEmbeddingEncoder(**FAST).fit(ints, y)
    assert enc.categorical_columns_.tolist() == [0, 1]
    objs = X[["city", "colour"]].to_numpy(dtype=object)
    assert EntityEmbeddingEncoder(**FAST).fit(objs, y).categorical_columns_.tolist() == [0, 1]
    floats = X[["age", "income"]].to_numpy()
    enc = EntityEmbeddingEncoder(**FAST).fit(floats, y)
    assert enc.categorical_columns_.tolist() == [] and enc.n_iter_ == 0


@pytest.mark.parametrize(
    "rule, expected",
    [
        (4, [4, 4]),
        ({"city": 7}, [7, min(auto_embedding_dim(3), 50)]),
        (lambda n: n + 1, [7, 4]),  # city has 6 categories, colour 3
        ("auto", [auto_embedding_dim(5), auto_embedding_dim(3)]),
    ],
)
def test_embedding_dim_rules(frame, rule, expected):
    """embedding_dim accepts an int, a dict per column, a callable and 'auto'."""
    X, y = frame
    enc = EntityEmbeddingEncoder(embedding_dim=rule, **FAST).fit(X, y)
    assert enc.embedding_dims_ == expected
    assert [t.shape[1] for t in enc.embeddings_] == expected


def test_max_embedding_dim_caps_auto_and_callable(frame):
    """max_embedding_dim caps the 'auto' rule and callables."""
    X, y = frame
    enc = EntityEmbeddingEncoder(embedding_dim=lambda n: 100, max_embedding_dim=3, **FAST)
    assert enc.fit(X, y).embedding_dims_ == [3, 3]


def test_max_categories_keeps_most_frequent(frame):
    """max_categories keeps the most frequent categories and pools the rest."""
    X, y = frame
    enc = EntityEmbeddingEncoder(max_categories=2, min_frequency=None, **FAST).fit(X, y)
    top2 = X["city"].value_counts().index[:2]
    assert sorted(enc.categories_[0]) == sorted(top2)
    assert len(enc.infrequent_categories_[0]) == 4


def test_min_frequency_as_fraction(frame):
    """A float min_frequency is a fraction of the rows."""
    X, y = frame
    enc = EntityEmbeddingEncoder(min_frequency=0.12, **FAST).fit(X, y)
    share = X["city"].value_counts(normalize=True)
    assert sorted(enc.categories_[0]) == sorted(share[share >= 0.12].index)


def test_mixed_type_categories():
    """A column mixing ints, strings and bools keeps each as its own category."""
    rng = np.random.RandomState(0)
    values = np.array([1, "a", True, 2.5, "b"], dtype=object)[rng.randint(0, 5, 300)]
    X = pd.DataFrame({"mixed": values})
    y = rng.randint(0, 2, 300)
    enc = EntityEmbeddingEncoder(**FAST).fit(X, y)
    assert len(enc.categories_[0]) == 4  # True == 1 in Python, so they are one category
    assert np.isfinite(enc.transform(X)).all()


def test_early_stopping_restores_best_epoch(frame):
    """Early stopping keeps the weights of the best validation epoch."""
    X, y = frame
    # one phase: with main effects first, a fit cut at max_iter=best_iter_ splits its
    # epochs between the phases differently (the first takes at most half of max_iter)
    params = dict(
        learning_rate_init=0.05, n_iter_no_change=2, tol=1e-3, random_state=0,
        main_effects_first=False,
    )  # fmt: skip
    enc = EntityEmbeddingEncoder(max_iter=50, **params).fit(X, y)
    scores = enc.validation_scores_
    assert len(scores) == enc.n_iter_ == len(enc.loss_curve_)
    assert enc.best_iter_ < enc.n_iter_ < 50
    assert enc.best_iter_ == int(np.argmax(scores)) + 1
    # the same run cut at the best epoch ends with the same weights, bit for bit
    cut = EntityEmbeddingEncoder(max_iter=enc.best_iter_, **params).fit(X, y)
    for restored, at_best in zip(enc.embeddings_, cut.embeddings_):
        np.testing.assert_array_equal(restored, at_best)


def test_no_early_stopping_runs_to_tolerance(frame):
    """early_stopping=False records no validation scores and uses the training loss."""
    X, y = frame
    enc = EntityEmbeddingEncoder(early_stopping=False, max_iter=3, random_state=0).fit(X, y)
    assert enc.validation_scores_ is None
    assert enc.n_iter_ == 3 and len(enc.loss_curve_) == 3


def test_verbose_shows_progress(frame, capsys):
    """verbose=1 prints a progress bar with the training and held-out losses."""
    X, y = frame
    EntityEmbeddingEncoder(verbose=1, **FAST).fit(X, y)
    err = capsys.readouterr().err
    assert "loss=" in err and "val_loss=" in err and "val_score" not in err


def test_fitted_state_is_numpy_only(frame):
    """No torch object is left in the fitted encoder; its pickle is small beyond the network."""
    X, y = frame
    enc = EntityEmbeddingEncoder(**FAST).fit(X, y)

    def walk(value):
        if isinstance(value, (list, tuple)):
            for v in value:
                walk(v)
        elif isinstance(value, dict):
            for v in value.values():
                walk(v)
        else:
            assert not type(value).__module__.startswith("torch"), type(value)

    walk(enc.__dict__)
    network = sum(value.nbytes for value in enc.network_weights_.values())
    assert 0 < network < 60_000  # MLP (128, 64) of float32
    assert len(pickle.dumps(enc)) < 20_000 + 1.1 * network


def test_refit_failure_leaves_previous_fit_intact(frame):
    """A fit that raises keeps the previous fitted state exactly."""
    X, y = frame
    enc = EntityEmbeddingEncoder(**FAST).fit(X, y)
    before = enc.transform(X)
    state = dict(enc.__dict__)
    bad_y = y.astype(float)
    bad_y[0] = np.nan
    with pytest.raises(ValueError, match="missing values"):
        enc.fit(X, bad_y)
    assert enc.__dict__.keys() == state.keys()
    np.testing.assert_array_equal(enc.transform(X), before)


def test_refit_interrupted_leaves_previous_fit_intact(frame, monkeypatch):
    """A KeyboardInterrupt inside training leaves the previous fit untouched."""
    import skembed._training as training

    X, y = frame
    enc = EntityEmbeddingEncoder(**FAST).fit(X, y)
    before = enc.transform(X)

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(training, "train", interrupted)
    with pytest.raises(KeyboardInterrupt):
        enc.set_params(max_iter=2).fit(X.iloc[:200], y[:200])
    np.testing.assert_array_equal(enc.transform(X), before)
    assert enc.n_features_in_ == 4


def test_import_does_not_import_torch():
    """Importing skembed does not import torch (transform needs none)."""
    import subprocess
    import sys

    code = "import sys, skembed; print('torch' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "False"


def test_min_frequency_as_numpy_integer_is_a_count(frame):
    """A NumPy integer min_frequency is a count, like a Python int, not a fraction."""
    X, y = frame
    as_int = EntityEmbeddingEncoder(min_frequency=5, **FAST).fit(X, y)
    as_numpy = EntityEmbeddingEncoder(min_frequency=np.int64(5), **FAST).fit(X, y)
    assert as_numpy.categories_[0].tolist() == as_int.categories_[0].tolist()
    assert len(as_numpy.categories_[0]) == 5
