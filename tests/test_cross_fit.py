"""cv with cross_fit="refit": out-of-fold embeddings by fold models aligned to the full model."""

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GroupKFold, KFold

from conftest import make_frame
from skembed import EntityEmbeddingEncoder

FAST = dict(max_iter=5, random_state=0, cross_fit="refit")


def record_fits(monkeypatch, attribute: str) -> list:
    """Make every ``fit`` of the encoder (the folds') append ``attribute``."""
    seen, original = [], EntityEmbeddingEncoder.fit

    def recording_fit(self, X, y=None, sample_weight=None):
        result = original(self, X, y, sample_weight)
        seen.append(getattr(self, attribute))
        return result

    monkeypatch.setattr(EntityEmbeddingEncoder, "fit", recording_fit)
    return seen


@pytest.fixture(scope="module")
def data():
    """A small mixed frame with a binary target."""
    return make_frame(800)


def test_cross_fit_keeps_the_full_model_and_continuous_columns(data):
    """With cv, the fitted encoder is the plain fit; only the embedding blocks differ."""
    X, y = data
    crossed = EntityEmbeddingEncoder(cv=3, **FAST)
    Z = crossed.fit_transform(X, y)
    plain = EntityEmbeddingEncoder(**FAST).fit(X, y)
    np.testing.assert_array_equal(crossed.transform(X), plain.transform(X))
    embedded = np.char.find(crossed.get_feature_names_out().astype(str), "_emb") >= 0
    np.testing.assert_array_equal(Z[:, ~embedded], plain.transform(X)[:, ~embedded])
    assert not np.array_equal(Z[:, embedded], plain.transform(X)[:, embedded])
    assert np.isfinite(Z).all()


def test_fold_tables_are_aligned_to_the_full_model(data):
    """Out-of-fold vectors of frequent categories land near the full model's (Procrustes)."""
    X, y = data
    encoder = EntityEmbeddingEncoder(cv=KFold(4, shuffle=True, random_state=0), **FAST)
    Z = encoder.fit_transform(X, y)
    full = encoder.transform(X)
    dim = encoder.embedding_dims_[0]  # city
    frequent = X["city"].isin(["paris", "rome", "oslo"]).to_numpy()
    gap = np.linalg.norm(Z[frequent, :dim] - full[frequent, :dim], axis=1)
    scale = np.linalg.norm(full[frequent, :dim] - full[frequent, :dim].mean(0), axis=1)
    assert gap.mean() < 0.5 * scale.mean(), (gap.mean(), scale.mean())


def test_cross_fit_inputs_weights_and_output_containers(data):
    """cv works with arrays, polars, sample_weight and set_output; y=None ignores it."""
    X, y = data
    weight = np.linspace(0.5, 2.0, len(y))
    ref = EntityEmbeddingEncoder(cv=3, **FAST).fit_transform(X, y, sample_weight=weight)
    as_array = X.to_numpy(dtype=object)
    Z = EntityEmbeddingEncoder(categorical_features=[0, 2], cv=3, **FAST).fit_transform(
        as_array, y, sample_weight=weight
    )
    np.testing.assert_allclose(Z, ref, rtol=1e-6)
    pl = pytest.importorskip("polars")
    np.testing.assert_allclose(
        EntityEmbeddingEncoder(cv=3, **FAST).fit_transform(pl.from_pandas(X), y,
                                                           sample_weight=weight),
        ref, rtol=1e-6,
    )  # fmt: skip
    frame = EntityEmbeddingEncoder(cv=3, **FAST).set_output(transform="pandas")
    out = frame.fit_transform(X, y, sample_weight=weight)
    assert isinstance(out, pd.DataFrame)
    np.testing.assert_allclose(out.to_numpy(), ref, rtol=1e-6)
    unsupervised = EntityEmbeddingEncoder(cv=3, max_iter=2, random_state=0)
    np.testing.assert_array_equal(unsupervised.fit_transform(X), unsupervised.transform(X))


def test_bad_cv_is_refused(data):
    """cv must be None, an int of at least 2 or a splitter."""
    X, y = data
    with pytest.raises(ValueError, match="'cv' parameter"):
        EntityEmbeddingEncoder(cv=1).fit_transform(X, y)


def test_cross_fit_with_integer_column_labels():
    """Columns labelled by ints in another order than their positions keep their widths."""
    import pandas as pd

    rng = np.random.RandomState(0)
    X = pd.DataFrame({1: rng.choice(list("abcdefgh"), 300), 0: rng.choice(list("xyz"), 300)})
    y = (X[1] < "d").to_numpy().astype(int)
    encoder = EntityEmbeddingEncoder(max_iter=1, random_state=0, cv=3, embedding_dim={1: 4, 0: 2})
    assert encoder.fit_transform(X, y).shape == (300, 6)
    assert encoder.embedding_dims_ == [4, 2]


def test_splitters_that_do_not_partition_the_rows_are_refused(frame):
    """TimeSeriesSplit never tests its first rows: fit_transform raises, naming the cv."""
    from sklearn.model_selection import TimeSeriesSplit

    X, y = frame
    encoder = EntityEmbeddingEncoder(max_iter=1, random_state=0, cv=TimeSeriesSplit(3))
    with pytest.raises(ValueError, match="does not partition the rows: 100 rows"):
        encoder.fit_transform(X, y)


def test_a_generator_of_splits_works(frame):
    """cv given as a generator of (train, test) pairs cross-fits like the same list."""
    X, y = frame
    splits = list(KFold(3).split(X))
    from_list = EntityEmbeddingEncoder(max_iter=1, random_state=0, cv=splits).fit_transform(X, y)
    generator = EntityEmbeddingEncoder(max_iter=1, random_state=0, cv=(s for s in splits))
    np.testing.assert_array_equal(generator.fit_transform(X, y), from_list)


class RecordingGroupKFold(GroupKFold):
    """GroupKFold that keeps the groups its split received."""

    def split(self, X, y=None, groups=None):
        self.seen_groups = None if groups is None else np.asarray(groups).copy()
        return super().split(X, y, groups)


def test_groups_reach_the_splitter_directly_and_by_metadata_routing():
    """fit_transform(groups=...) cross-fits by group; a routed Pipeline passes groups too."""
    import sklearn
    from sklearn.pipeline import make_pipeline

    from skembed.datasets import load_adult_sample

    X, y = load_adult_sample()
    X, y = X.iloc[:1200], np.asarray(y[:1200])
    groups = np.arange(1200) % 6  # e.g. a household: its rows share a fold
    params = dict(max_iter=1, random_state=0)
    direct = EntityEmbeddingEncoder(cv=RecordingGroupKFold(3), **params)
    Z = direct.fit_transform(X, y, groups=groups)
    np.testing.assert_array_equal(direct.cv.seen_groups, groups)
    with pytest.raises(ValueError, match="groups"):  # GroupKFold needs them
        EntityEmbeddingEncoder(cv=GroupKFold(3), **params).fit_transform(X, y)
    with pytest.raises(ValueError, match="cv is None, so no splitter uses it"):
        EntityEmbeddingEncoder(cv=None, **params).fit_transform(X, y, groups=groups)
    with sklearn.config_context(enable_metadata_routing=True):
        routed = EntityEmbeddingEncoder(cv=RecordingGroupKFold(3), **params)
        routed.set_fit_request(sample_weight=False)
        Z_routed = make_pipeline(routed).fit_transform(X, y, groups=groups)
        np.testing.assert_array_equal(routed.cv.seen_groups, groups)
        router = routed.get_metadata_routing()
        assert "groups" in str(router)
    np.testing.assert_array_equal(Z_routed, Z)


def test_folds_train_the_full_models_target_type(monkeypatch):
    """A fold that misses a rare value keeps the full model's loss (no re-detection per fold)."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"c": rng.choice(list("abcdef"), 300)})
    y = rng.integers(0, 20, 300)
    y[:3] = 20  # 21 distinct integers: continuous; a fold without them would see 20: classes
    seen = record_fits(monkeypatch, "target_type_")
    encoder = EntityEmbeddingEncoder(cv=KFold(3), cross_fit="refit", max_iter=1, random_state=0)
    encoder.fit_transform(X, y)
    assert encoder.target_type_ == "continuous"
    assert seen == ["continuous"] * 3  # the three folds' fits


def test_cv_with_a_pyarrow_table():
    """Cross-fitting takes the rows of a pyarrow Table (it used to fail indexing it)."""
    pa = pytest.importorskip("pyarrow")
    X, y = make_frame(300)
    table = pa.Table.from_pandas(X, preserve_index=False)
    Z = EntityEmbeddingEncoder(cv=3, max_iter=1, random_state=0).fit_transform(table, y)
    expected = EntityEmbeddingEncoder(cv=3, max_iter=1, random_state=0).fit_transform(X, y)
    np.testing.assert_array_equal(Z, expected)


def test_integer_cv_shuffles_rows_stored_in_order():
    """cv=5 on census rows sorted by occupation still encodes each row with its occupation:
    the folds are shuffled (as TargetEncoder's), not cut from the sorted order."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score

    from skembed.datasets import load_adult_sample

    X, y = load_adult_sample()
    order = np.argsort(X["occupation"].fillna("?").to_numpy(), kind="stable")[::3]
    X, y = X[["occupation"]].iloc[order].reset_index(drop=True), y[order]
    Z = EntityEmbeddingEncoder(cv=5, max_iter=3, random_state=0, n_jobs=1).fit_transform(X, y)
    assert len(np.unique(Z.round(5), axis=0)) > 5  # not one unknown vector per fold
    model = LogisticRegression().fit(Z[::2], y[::2])
    assert roc_auc_score(y[1::2], model.predict_proba(Z[1::2])[:, 1]) > 0.7


def test_integer_cv_folds_follow_random_state():
    """An int cv gives the same shuffled folds for the same random_state, others for another."""
    from skembed._cross_fit import fold_splitter

    y = np.array([0, 1] * 50)
    encoder = EntityEmbeddingEncoder(cv=5, random_state=0)
    encoder.target_type_ = "binary"
    first = [test for _, test in fold_splitter(encoder, y).split(y, y)]
    again = [test for _, test in fold_splitter(encoder, y).split(y, y)]
    encoder.random_state = 1
    other = [test for _, test in fold_splitter(encoder, y).split(y, y)]
    assert all(np.array_equal(a, b) for a, b in zip(first, again))
    assert not all(np.array_equal(a, b) for a, b in zip(first, other))
    assert not np.array_equal(first[0], np.arange(len(first[0])) * 1)  # not contiguous


def test_folds_train_with_the_full_models_batch_size(monkeypatch):
    """batch_size='auto' is resolved once, on all rows: every fold takes the full model's size."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"c": rng.choice(list("abcdef"), 40_000)})
    y = (X["c"] < "c").to_numpy().astype(int)
    sizes = record_fits(monkeypatch, "batch_size_")
    encoder = EntityEmbeddingEncoder(
        cv=2, cross_fit="refit", max_iter=1, random_state=0, device="cpu"
    )
    encoder.fit_transform(X, y)
    assert encoder.batch_size == "auto"
    assert encoder.batch_size_ == 562  # 36,000 training rows / 64
    assert sizes == [562] * 2  # the folds' fits; a fold alone would take 281
