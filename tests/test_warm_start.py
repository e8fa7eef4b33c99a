"""warm_start=True: a second fit continues from the first fit's tables and network."""

import copy

import numpy as np
import pandas as pd
import pytest

from conftest import downstream_auc
from skembed import EntityEmbeddingEncoder, load

# n_iter_no_change=4: every fit runs its 4 epochs, so that the epochs of warm fits add up
FAST = dict(max_iter=4, n_iter_no_change=4, random_state=0, n_jobs=1, continuous="scale")


def test_two_warm_fits_on_halves_match_one_fit_on_all(census):
    """Warm fits on two halves of the census rows reach the AUC of one fit on both."""
    X, y = census
    train, test = slice(0, 4000), slice(4000, None)
    full = EntityEmbeddingEncoder(**FAST).fit(X[train], y[train])
    warm = EntityEmbeddingEncoder(warm_start=True, **FAST)
    warm.fit(X[:2000], y[:2000])
    first_iters = warm.n_iter_
    warm.fit(X[2000:4000], y[2000:4000])
    args = (X[train], y[train], X[test], y[test])
    assert downstream_auc(warm, *args) > downstream_auc(full, *args) - 0.01
    assert warm.n_iter_ == first_iters + 4 and len(warm.loss_curve_) == warm.n_iter_


def test_warm_start_on_the_same_data_changes_only_the_epochs(census):
    """A second warm fit on the same rows keeps the quality; the epochs add up."""
    X, y = census
    encoder = EntityEmbeddingEncoder(warm_start=True, **FAST).fit(X[:3000], y[:3000])
    args = (X[:3000], y[:3000], X[3000:], y[3000:])
    before = downstream_auc(encoder, *args)
    encoder.fit(X[:3000], y[:3000])
    assert abs(downstream_auc(encoder, *args) - before) < 0.005
    assert encoder.n_iter_ == 8 and encoder.best_iter_ > 4


def test_new_categories_join_and_absent_ones_keep_their_rows(census):
    """A category only in the second fit gets a row; one absent from it keeps its row exactly."""
    X, y = census
    first = X["education"] != "Doctorate"
    second = X["education"] != "Masters"
    encoder = EntityEmbeddingEncoder(warm_start=True, **FAST).fit(X[first], y[first])
    assert "Doctorate" not in encoder.categories_[1]
    masters = encoder.get_embeddings("education").loc["Masters"].to_numpy()
    encoder.fit(X[second], y[second])
    table = encoder.get_embeddings("education")
    assert "Doctorate" in table.index
    np.testing.assert_array_equal(table.loc["Masters"].to_numpy(), masters)
    counts = dict(zip(encoder.categories_[1], encoder.category_counts_[1]))
    bachelors = X["education"] == "Bachelors"
    assert counts["Bachelors"] == (bachelors & first).sum() + (bachelors & second).sum()


def test_merged_vocabulary_starts_new_rows_at_the_unknown_row():
    """Merging [a, b] with [b, c]: c starts at the old unknown row, the rows are remapped."""
    from skembed._fit_memory import LearnedColumns
    from skembed._warm_start import merge_vocabularies

    old_table = np.arange(4 * 2, dtype=np.float32).reshape(4, 2)  # a, b, unknown, missing
    state = {
        "embeddings_": [old_table],
        "categories_": [np.array(["a", "b"], dtype=object)],
        "infrequent_categories_": [np.array([], dtype=object)],
        "hash_buckets_": [0],
    }
    learned = LearnedColumns(
        categories=[np.array(["b", "c"], dtype=object)],
        infrequent=[np.array(["z"], dtype=object)],
        value_rows=[np.array([0, 1, 2, 3])],  # b, c, unknown, missing in this fit's layout
        n_missing=[1],
    )
    warm = merge_vocabularies(state, learned)
    assert learned.categories[0].tolist() == ["a", "b", "c"]
    assert learned.infrequent[0].tolist() == ["z"]
    np.testing.assert_array_equal(learned.value_rows[0], [1, 2, 3, 4])
    np.testing.assert_array_equal(warm.tables[0], old_table[[0, 1, 2, 2, 3]])


def test_kept_vocabulary_pools_new_categories_into_their_bucket():
    """grow=False (partial_fit): a category the vocabulary lacks is pooled into its hash
    bucket; with grow=True it gets a row that starts from that bucket."""
    from skembed._categories import Vocabulary
    from skembed._fit_memory import LearnedColumns
    from skembed._warm_start import merge_vocabularies

    old_table = np.arange(6 * 2, dtype=np.float32).reshape(6, 2)  # a, b, unk, miss, 2 buckets
    bucket = Vocabulary(np.array(["a", "b"], dtype=object), np.array([]), 0, 2).bucket_rows(
        np.array(["c"], dtype=object)
    )[0]
    state = {
        "embeddings_": [old_table],
        "categories_": [np.array(["a", "b"], dtype=object)],
        "infrequent_categories_": [np.array([], dtype=object)],
        "hash_buckets_": [2],
    }

    def learned():
        return LearnedColumns(
            categories=[np.array(["c"], dtype=object)],
            infrequent=[np.array([], dtype=object)],
            value_rows=[np.array([0, 1])],  # c, then this fit's unknown row
            n_missing=[0],
        )

    kept = learned()
    warm = merge_vocabularies(state, kept, grow=False)
    assert kept.categories[0].tolist() == ["a", "b"] and kept.infrequent[0].tolist() == ["c"]
    np.testing.assert_array_equal(kept.value_rows[0], [bucket, 2])
    np.testing.assert_array_equal(warm.tables[0], old_table)
    grown = learned()
    warm = merge_vocabularies(state, grown, grow=True)
    assert grown.categories[0].tolist() == ["a", "b", "c"]
    np.testing.assert_array_equal(grown.value_rows[0], [2, 3])
    np.testing.assert_array_equal(warm.tables[0][2], old_table[bucket])


def test_warm_start_continues_a_loaded_encoder(census, tmp_path):
    """An encoder saved and loaded continues its fit (its network is in the file)."""
    X, y = census
    encoder = EntityEmbeddingEncoder(warm_start=True, **FAST).fit(X[:2000], y[:2000])
    loaded = load(encoder.save(tmp_path / "enc.skembed"))
    loaded.fit(X[2000:4000], y[2000:4000])
    encoder.fit(X[2000:4000], y[2000:4000])
    for a, b in zip(loaded.embeddings_, encoder.embeddings_):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_second_fit_may_hold_fewer_classes(census):
    """The previous fit's classes stay: a batch of one class still trains (binary)."""
    X, y = census
    encoder = EntityEmbeddingEncoder(warm_start=True, **FAST).fit(X[:2000], y[:2000])
    ones = np.flatnonzero(y[2000:4000] == 1) + 2000
    encoder.fit(X.iloc[ones], y[ones])
    assert encoder.classes_.tolist() == [0, 1]


@pytest.mark.parametrize(
    "change, match",
    [
        ("drop_column", "categorical columns"),
        ("new_class", "classes"),
        ("no_target", "fit\\(X\\) without y"),
        ("hash_buckets", "hash buckets"),
    ],
)
def test_incompatible_warm_fits_are_refused(census, change, match):
    """A warm fit that the previous network cannot continue is a clear error; nothing changes."""
    X, y = census
    encoder = EntityEmbeddingEncoder(warm_start=True, **FAST).fit(X[:1000], y[:1000])
    before = [t.copy() for t in encoder.embeddings_]
    X2, y2 = X[1000:2000], y[1000:2000]
    if change == "drop_column":
        X2 = X2.assign(education=np.arange(len(X2), dtype=float))  # now continuous
    elif change == "new_class":
        y2 = np.where(y2 == 1, 2, y2)
    elif change == "no_target":
        y2 = None
    else:
        encoder.set_params(hash_buckets=4)
    with pytest.raises(ValueError, match=match):
        encoder.fit(X2, y2)
    for a, b in zip(encoder.embeddings_, before):
        np.testing.assert_array_equal(a, b)


def test_warm_start_with_dask_input_is_refused(census):
    """The Dask fit starts afresh, so warm_start after a fit is an error naming it."""
    dd = pytest.importorskip("dask.dataframe")
    X, y = census
    encoder = EntityEmbeddingEncoder(warm_start=True, **FAST).fit(X[:1000], y[:1000])
    ddf = dd.from_pandas(X[1000:2000].assign(income=y[1000:2000]), npartitions=2)
    with pytest.raises(ValueError, match="warm_start"):
        encoder.fit(ddf.drop(columns="income"), ddf["income"])


def test_first_warm_fit_is_a_plain_fit(census):
    """warm_start=True on an unfitted encoder fits exactly as warm_start=False."""
    X, y = census
    warm = EntityEmbeddingEncoder(warm_start=True, **FAST).fit(X[:1000], y[:1000])
    cold = EntityEmbeddingEncoder(**FAST).fit(X[:1000], y[:1000])
    for a, b in zip(warm.embeddings_, cold.embeddings_):
        np.testing.assert_array_equal(a, b)


def test_warm_start_on_tensor_input():
    """Codes in torch tensors (the device path, on the CPU) continue a fit as NumPy does."""
    torch = pytest.importorskip("torch")
    rng = np.random.RandomState(0)
    X = rng.randint(0, 30, (2000, 2)).astype(np.int64)
    X[1000:, 0] += 5  # the second batch brings new categories
    y = ((X[:, 0] % 3 == 0) ^ (X[:, 1] % 4 == 1)).astype(np.float64)
    params = dict(categorical_features=[0, 1], device="cpu", warm_start=True, **FAST)
    on_host = EntityEmbeddingEncoder(**params).fit(X[:1000], y[:1000]).fit(X[1000:], y[1000:])
    on_device = EntityEmbeddingEncoder(**params)
    for rows in (slice(0, 1000), slice(1000, None)):
        on_device.fit(torch.as_tensor(X[rows]), torch.as_tensor(y[rows]))
    assert on_device.categories_[0].tolist() == on_host.categories_[0].tolist() == list(range(35))
    for a, b in zip(on_device.embeddings_, on_host.embeddings_):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_shared_table_continues_as_one_table():
    """A warm fit of a shared group continues from one table: its copies stay identical,
    with the missing row one column trained, also with the linear path's rotation."""
    rng = np.random.RandomState(0)
    teams = np.array(["a", "b", "c", "d", "e"])
    X = pd.DataFrame({"home": rng.choice(teams, 400), "away": rng.choice(teams, 400)})
    X.loc[:20, "home"] = None  # only "home" has missing values
    y = ((X["home"] == "a") | (X["away"] == "e")).to_numpy().astype(int)
    for linear_path in (False, True):
        params = dict(shared_embeddings=[["home", "away"]], linear_path=linear_path, **FAST)
        encoder = EntityEmbeddingEncoder(warm_start=True, **params).fit(X, y)
        np.testing.assert_array_equal(encoder.embeddings_[0], encoder.embeddings_[1])
        before = encoder.embeddings_[0].copy()
        encoder.set_params(learning_rate_init=1e-12, embedding_learning_rate=1e-12).fit(X, y)
        np.testing.assert_array_equal(encoder.embeddings_[0], encoder.embeddings_[1])
        np.testing.assert_allclose(encoder.embeddings_[0], before, atol=1e-5)


def test_a_kept_category_rare_in_later_rows_trains_its_own_row():
    """With min_frequency=5, a category kept by the first fit and seen 3 times in the second
    trains its own row there (it is not pooled into the unknown row)."""
    X1 = pd.DataFrame({"c": ["a"] * 50 + ["b"] * 50})
    X2 = pd.DataFrame({"c": ["a"] * 3 + ["b"] * 97})
    y1, y2 = np.arange(100) % 2, (X2["c"] == "a").to_numpy().astype(int)
    encoder = EntityEmbeddingEncoder(min_frequency=5, warm_start=True, **FAST).fit(X1, y1)
    row = encoder.get_embeddings("c").loc["a"].to_numpy().copy()
    encoder.fit(X2, y2)
    assert not np.array_equal(encoder.get_embeddings("c").loc["a"].to_numpy(), row)
    assert encoder.category_counts_[0].tolist() == [53, 147]


def test_a_continued_regression_keeps_the_first_target_scaling():
    """A continued fit standardizes y with the first fit's mean and scale (target_scaling_)."""
    rng = np.random.RandomState(0)
    X = pd.DataFrame({"c": rng.choice(list("abcde"), 300)})
    y = rng.normal(size=300) + (X["c"] == "a").to_numpy()
    first = EntityEmbeddingEncoder(**FAST).partial_fit(X, y)
    mean, scale = first.target_scaling_
    assert np.allclose(mean, y.mean()) and np.allclose(scale, y.std())
    shifted = copy.deepcopy(first).partial_fit(X, y * 10 + 1000)
    same = copy.deepcopy(first).partial_fit(X, y)
    assert shifted.loss_curve_[-1] > 100 * same.loss_curve_[-1]
    np.testing.assert_array_equal(shifted.target_scaling_[0], first.target_scaling_[0])


def test_errors_of_continued_fits_say_what_to_do(census):
    """A network of other layers names dropout; an encoder saved without its network, and a
    warm Dask fit, are clear errors."""
    X, y = census
    encoder = EntityEmbeddingEncoder(warm_start=True, **FAST).fit(X[:500], y[:500])
    with pytest.raises(ValueError, match="dropout"):
        encoder.set_params(dropout=0.1).fit(X[:500], y[:500])
    old = EntityEmbeddingEncoder(**FAST).fit(X[:500], y[:500])
    del old.network_weights_  # as loaded from a file written before it existed
    with pytest.raises(ValueError, match="did not keep its trained network"):
        old.partial_fit(X[:500], y[:500])
    dd = pytest.importorskip("dask.dataframe")
    ddf = dd.from_pandas(X[:500].assign(t=y[:500]), npartitions=2)
    warm = EntityEmbeddingEncoder(warm_start=True, **FAST).fit(X[:500], y[:500])
    with pytest.raises(ValueError, match="set warm_start=False"):
        warm.fit(ddf.drop(columns="t"), ddf["t"])
