"""partial_fit: one epoch per batch; the first call fixes the columns and categories."""

import numpy as np
import pytest

from conftest import downstream_auc
from skembed import EntityEmbeddingEncoder

PARAMS = dict(random_state=0, n_jobs=1, continuous="scale")


def test_ten_chunks_match_a_full_fit_of_as_many_epochs(census):
    """The census rows fed in 10 chunks, twice, reach a 2-epoch full fit's AUC (within 0.01)."""
    X, y = census
    train, test = slice(0, 4000), slice(4000, None)
    full = EntityEmbeddingEncoder(max_iter=2, early_stopping=False, **PARAMS)
    full.fit(X[train], y[train])
    streamed = EntityEmbeddingEncoder(**PARAMS)
    for _ in range(2):
        for rows in np.array_split(np.arange(4000), 10):
            streamed.partial_fit(X.iloc[rows], y[rows], classes=[0, 1])
    args = (X[train], y[train], X[test], y[test])
    assert abs(downstream_auc(streamed, *args) - downstream_auc(full, *args)) < 0.01
    assert streamed.n_iter_ == 20 and len(streamed.loss_curve_) == 20


def test_first_call_fixes_the_vocabulary(census):
    """A category first seen in a later batch is pooled: the unknown row, or its hash bucket."""
    X, y = census
    first = (X["education"] != "Doctorate").to_numpy()
    encoder = EntityEmbeddingEncoder(**PARAMS).partial_fit(X[first], y[first])
    categories = encoder.categories_[1].tolist()
    encoder.partial_fit(X[~first], y[~first])
    assert encoder.categories_[1].tolist() == categories
    assert "Doctorate" in encoder.infrequent_categories_[1]
    table = encoder.get_embeddings("education")
    doctor = encoder.transform(X[~first][:1])
    block = [k for k, name in enumerate(encoder.get_feature_names_out()) if "education_" in name]
    np.testing.assert_array_equal(doctor[0, block], table.loc["<unknown>"].to_numpy())
    hashed = EntityEmbeddingEncoder(hash_buckets=4, **PARAMS).partial_fit(X[first], y[first])
    hashed.partial_fit(X[~first], y[~first])
    rows = hashed.get_embeddings("education")
    vector = hashed.transform(X[~first][:1])[0, block]
    buckets = rows[rows.index.str.startswith("<hash")].to_numpy()
    assert any(np.array_equal(vector, row) for row in buckets)


def test_classes_are_fixed_by_the_first_call(census):
    """classes= on the first call allows a batch without one class; a new class later is an
    error naming it, as are other classes= afterwards."""
    X, y = census
    zeros = np.flatnonzero(y == 0)[:500]
    encoder = EntityEmbeddingEncoder(**PARAMS).partial_fit(X.iloc[zeros], y[zeros], classes=[0, 1])
    assert encoder.classes_.tolist() == [0, 1] and encoder.target_type_ == "binary"
    with pytest.raises(ValueError, match="classes"):
        encoder.partial_fit(X[:100], np.where(y[:100] == 1, 2, 0))
    with pytest.raises(ValueError, match="fixed by the first call"):
        encoder.partial_fit(X[:100], y[:100], classes=[0, 1, 2])
    with pytest.raises(ValueError, match="target_type='continuous'"):
        EntityEmbeddingEncoder(target_type="continuous").partial_fit(
            X[:50], y[:50], classes=[0, 1]
        )


def test_partial_fit_continues_a_fit(census):
    """partial_fit after fit trains one more epoch on the fitted tables, whatever warm_start."""
    X, y = census
    encoder = EntityEmbeddingEncoder(max_iter=2, **PARAMS).fit(X[:2000], y[:2000])
    before = encoder.n_iter_
    encoder.partial_fit(X[2000:3000], y[2000:3000])
    assert encoder.n_iter_ == before + 1 and encoder.best_iter_ == before + 1
    with pytest.raises(ValueError, match="feature names"):
        encoder.partial_fit(X.iloc[:100, :-1], y[:100])


def test_partial_fit_refuses_dask_input(census):
    """A Dask collection is an error that points to fit (which streams partitions)."""
    dd = pytest.importorskip("dask.dataframe")
    X, y = census
    ddf = dd.from_pandas(X[:200].assign(income=y[:200]), npartitions=2)
    with pytest.raises(ValueError, match="partial_fit takes batches in memory"):
        EntityEmbeddingEncoder(**PARAMS).partial_fit(ddf.drop(columns="income"), ddf["income"])


def test_categories_given_up_front_train_in_later_batches(census):
    """With categories= the first batch need not hold every category: one it lacks has a
    row that later batches train; values not given are pooled."""
    X, y = census
    first = (X["education"] != "Doctorate").to_numpy()
    given = sorted(set(X["education"].dropna())) + ["Unseen"]
    encoder = EntityEmbeddingEncoder(categories={"education": given}, **PARAMS)
    encoder.partial_fit(X[first], y[first], classes=[0, 1])
    assert encoder.categories_[1].tolist() == sorted(given)
    before = encoder.get_embeddings("education").loc["Doctorate"].to_numpy()
    encoder.partial_fit(X[~first], y[~first])
    after = encoder.get_embeddings("education").loc["Doctorate"].to_numpy()
    assert not np.array_equal(before, after)
    assert encoder.category_counts_[1][given.index("Unseen")] == 0


def test_categories_pool_the_values_not_given(census):
    """A column's values outside its given categories share the unknown row."""
    X, y = census
    encoder = EntityEmbeddingEncoder(categories={"race": ["White", "Black"]}, **PARAMS)
    encoder.fit(X[:2000], y[:2000])
    race = list(X.columns).index("race")
    position = list(encoder.categorical_columns_).index(race)
    assert encoder.categories_[position].tolist() == ["Black", "White"]
    assert "Asian-Pac-Islander" in encoder.infrequent_categories_[position].tolist()


@pytest.mark.parametrize(
    "categories, match",
    [
        ([["a"]], "one list of categories per categorical column"),
        ({"race": ["White", "White"]}, "distinct"),
        ({"race": ["White", None]}, "non-missing"),
        ({"age": [1, 2]}, "continuous"),
    ],
)
def test_bad_categories_are_refused(census, categories, match):
    """Each malformed categories= is a ValueError naming the column or the count."""
    X, y = census
    with pytest.raises(ValueError, match=match):
        EntityEmbeddingEncoder(categories=categories, **PARAMS).fit(X[:200], y[:200])


def test_categories_on_dask_and_tensor_input():
    """The Dask fit and the device path keep exactly the given categories too."""
    torch = pytest.importorskip("torch")
    dd = pytest.importorskip("dask.dataframe")
    import pandas as pd

    rng = np.random.RandomState(0)
    codes = rng.randint(0, 6, (600, 1)).astype(np.int64)
    y = (codes[:, 0] % 2).astype(np.float64)
    params = dict(categorical_features=[0], categories=[[0, 1, 2, 9]], device="cpu", **PARAMS)
    tensor_fit = EntityEmbeddingEncoder(**params).fit(torch.as_tensor(codes), torch.as_tensor(y))
    assert tensor_fit.categories_[0].tolist() == [0, 1, 2, 9]
    assert tensor_fit.infrequent_categories_[0].tolist() == [3, 4, 5]
    frame = pd.DataFrame({"c": codes[:, 0].astype(str), "t": y})
    ddf = dd.from_pandas(frame, npartitions=2)
    dask_fit = EntityEmbeddingEncoder(categories={"c": ["0", "9"]}, **PARAMS)
    dask_fit.fit(ddf[["c"]], ddf["t"])
    assert dask_fit.categories_[0].tolist() == ["0", "9"]


def test_classes_of_the_first_call_are_checked(census):
    """classes= obeys the class rules of fit: three classes for a binary target, or one
    class, are errors; so is a first batch with a label outside classes."""
    X, y = census
    with pytest.raises(ValueError, match="binary"):
        EntityEmbeddingEncoder(target_type="binary", **PARAMS).partial_fit(
            X[:100], y[:100], classes=[0, 1, 2]
        )
    with pytest.raises(ValueError, match="one class"):
        EntityEmbeddingEncoder(**PARAMS).partial_fit(X[:100], np.zeros(100), classes=[0])
    with pytest.raises(ValueError, match="outside the classes"):
        EntityEmbeddingEncoder(**PARAMS).partial_fit(X[:100], y[:100] + 5, classes=[0, 1])


def test_validation_scores_stay_one_per_epoch_or_none(census):
    """After an early-stopping fit, a partial_fit call (not scored) leaves no half list."""
    X, y = census
    encoder = EntityEmbeddingEncoder(max_iter=2, **PARAMS).fit(X[:1000], y[:1000])
    assert len(encoder.validation_scores_) == encoder.n_iter_
    encoder.partial_fit(X[1000:2000], y[1000:2000])
    assert encoder.validation_scores_ is None


def test_given_categories_keep_the_pretrained_ones_too(census):
    """categories= and a pretrained table together keep both: the table's rows are kept."""
    import pandas as pd

    X, y = census
    table = pd.DataFrame([[0.1, 0.2], [0.3, 0.4]], index=["Male", "Other"])
    encoder = EntityEmbeddingEncoder(
        categories={"gender": ["Female"]}, pretrained_embeddings={"gender": table}, **PARAMS
    ).fit(X[:300], y[:300])
    gender = list(encoder.categorical_columns_).index(list(X.columns).index("gender"))
    assert encoder.categories_[gender].tolist() == ["Female", "Male", "Other"]
