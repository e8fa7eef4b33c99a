"""Dask DataFrames: statistics in one pass, streamed training, lazy transform."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

import skembed
from skembed import EntityEmbeddingEncoder
from skembed.datasets import load_adult_sample, make_categorical

dd = pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def adult():
    X, y = load_adult_sample()
    frame = X.assign(income=y)
    return X, y, dd.from_pandas(frame, npartitions=8)


def fitted(ddf, **params):
    params = {"max_iter": 4, "random_state": 0, **params}
    encoder = EntityEmbeddingEncoder(**params)
    return encoder.fit(ddf.drop(columns="income"), ddf["income"])


def test_statistics_equal_the_in_memory_fit(adult):
    """Categories, pooled categories, counts and scaling match a pandas fit exactly."""
    X, y, ddf = adult
    streamed = fitted(ddf, min_frequency=20)
    memory = EntityEmbeddingEncoder(max_iter=1, min_frequency=20, random_state=0).fit(X, y)
    for name in ["categories_", "infrequent_categories_", "category_counts_"]:
        for a, b in zip(getattr(streamed, name), getattr(memory, name)):
            np.testing.assert_array_equal(a, b)
    np.testing.assert_allclose(streamed.continuous_mean_, memory.continuous_mean_, rtol=1e-12)
    np.testing.assert_allclose(streamed.continuous_scale_, memory.continuous_scale_, rtol=1e-12)
    assert streamed.embedding_dims_ == memory.embedding_dims_
    assert list(streamed.feature_names_in_) == list(X.columns)
    assert streamed.target_type_ == "binary" and list(streamed.classes_) == [0, 1]


def test_streamed_fit_learns_useful_embeddings(adult):
    """Embeddings trained from partitions predict income as well as in-memory ones."""
    X, y, ddf = adult
    n_train = 8000
    train = dd.from_pandas(X.iloc[:n_train].assign(income=y[:n_train]), npartitions=6)
    streamed = fitted(train, max_iter=8, partitions_per_buffer=2, continuous="scale")
    memory = EntityEmbeddingEncoder(max_iter=8, random_state=0, continuous="scale")
    memory.fit(X[:n_train], y[:n_train])
    scores = []
    for encoder in (streamed, memory):
        model = LogisticRegression(max_iter=2000).fit(encoder.transform(X[:n_train]), y[:n_train])
        proba = model.predict_proba(encoder.transform(X[n_train:]))[:, 1]
        scores.append(roc_auc_score(y[n_train:], proba))
    assert scores[0] > 0.85
    assert scores[0] > scores[1] - 0.01
    assert len(streamed.validation_scores_) == streamed.n_iter_  # held-out partitions


def test_transform_is_lazy_and_equals_pandas_transform(adult):
    """transform gives a Dask DataFrame, named and typed, equal to the in-memory transform."""
    X, y, ddf = adult
    encoder = fitted(ddf)
    Xd = ddf.drop(columns="income")
    out = encoder.transform(Xd)
    assert isinstance(out, dd.DataFrame)
    assert out.npartitions == Xd.npartitions
    assert list(out.columns) == list(encoder.get_feature_names_out())
    assert set(out.dtypes) == {np.dtype(np.float32)}
    computed = out.compute()
    pd.testing.assert_index_equal(computed.index, X.index)
    np.testing.assert_array_equal(computed.to_numpy(), encoder.transform(X))


def test_empty_partitions_and_metadata_probes(adult):
    """Empty partitions transform to empty frames; Dask's meta inference does not raise."""
    X, y, ddf = adult
    encoder = fitted(ddf)
    Xd = ddf.drop(columns="income")
    empty = encoder.transform(Xd[Xd["age"] > 1000]).compute()
    assert empty.shape == (0, len(encoder.get_feature_names_out()))
    # the dask_ml ParallelPostFit route: map_partitions without meta probes a fake partition
    probed = Xd.map_partitions(encoder.transform).compute()
    np.testing.assert_array_equal(np.asarray(probed), encoder.transform(X))
    # fitting skips empty partitions
    some_empty = dd.concat([ddf, ddf[ddf["age"] > 1000]])
    assert fitted(some_empty).n_iter_ == 4


def test_random_state_reproducible_and_pickles(adult, tmp_path):
    """Same seed, same tables; the fitted encoder saves and loads like any other."""
    _, _, ddf = adult
    a, b = fitted(ddf), fitted(ddf)
    for ta, tb in zip(a.embeddings_, b.embeddings_):
        np.testing.assert_array_equal(ta, tb)
    a.save(tmp_path / "dask.skembed")
    loaded = skembed.load(tmp_path / "dask.skembed")
    assert loaded.partitions_per_buffer == 4
    for ta, tb in zip(a.embeddings_, loaded.embeddings_):
        np.testing.assert_array_equal(ta, tb)


def test_regression_multiclass_weights_and_self_supervised():
    """Continuous and multiclass targets, sample weights and fit(X) stream as well."""
    X, y, _ = make_categorical(3000, cardinalities=(30, 8), task="continuous", random_state=0)
    frame = dd.from_pandas(X.assign(y=y, w=np.linspace(0.5, 2, len(y))), npartitions=4)
    Xd = frame.drop(columns=["y", "w"])
    reg = EntityEmbeddingEncoder(max_iter=3, random_state=0).fit(Xd, frame["y"], frame["w"])
    assert reg.target_type_ == "continuous"
    assert np.isfinite(reg.transform(Xd).compute().to_numpy()).all()
    classes = pd.Series(np.asarray(y > np.median(y), int) + (y > np.quantile(y, 0.9)))
    labels = dd.from_pandas(classes.rename("c"), npartitions=4)
    multi = EntityEmbeddingEncoder(max_iter=2, random_state=0).fit(Xd, labels)
    assert multi.target_type_ == "multiclass" and list(multi.classes_) == [0, 1, 2]
    selfsup = EntityEmbeddingEncoder(max_iter=2, random_state=0).fit(Xd)
    assert selfsup.target_type_ == "self-supervised" and selfsup.n_iter_ == 2


def test_list_column_with_separator():
    """A '|'-separated column is embedded as a bag, like for pandas input."""
    frame = pd.DataFrame(
        {"genres": ["a|b", "b", "c|a", None, "b|c"] * 200, "city": list("xyzzy") * 200}
    )
    y = np.tile([1, 0, 1, 0, 0], 200)
    ddf = dd.from_pandas(frame.assign(y=y), npartitions=3)
    params = dict(separator={"genres": "|"}, max_iter=2, random_state=0, min_frequency=1)
    streamed = EntityEmbeddingEncoder(**params).fit(ddf.drop(columns="y"), ddf["y"])
    memory = EntityEmbeddingEncoder(**params).fit(frame, y)
    assert list(streamed.bag_columns_) == [0]
    np.testing.assert_array_equal(streamed.category_counts_[0], memory.category_counts_[0])
    out = streamed.transform(ddf.drop(columns="y")).compute().to_numpy()
    np.testing.assert_array_equal(out, streamed.transform(frame))


def test_set_output_and_fit_transform_keep_dask(adult):
    """fit_transform and a pandas set_output still hand back a lazy Dask DataFrame."""
    _, _, ddf = adult
    encoder = EntityEmbeddingEncoder(max_iter=2, random_state=0).set_output(transform="pandas")
    out = encoder.fit_transform(ddf.drop(columns="income"), ddf["income"])
    assert isinstance(out, dd.DataFrame)
    assert isinstance(encoder.transform(ddf.drop(columns="income").compute()), pd.DataFrame)


@pytest.mark.parametrize(
    "params, y_kind, match",
    [
        ({"pretrained_embeddings": {"sex": ([], [])}}, "dask", "pretrained_embeddings="),
        ({}, "numpy", "y must be a Dask Series with the same index"),
        ({}, "frame", "y must be a Dask Series"),
    ],
)
def test_clear_errors(adult, params, y_kind, match):
    """Unsupported options and a non-Dask target fail with a message saying what to do."""
    _, y, ddf = adult
    target = {"dask": ddf["income"], "numpy": y, "frame": ddf[["income"]]}[y_kind]
    encoder = EntityEmbeddingEncoder(max_iter=1, **params)
    with pytest.raises((ValueError, TypeError), match=match):
        encoder.fit(ddf.drop(columns="income"), target)
    assert not hasattr(encoder, "embeddings_")


def test_target_partitioned_differently_is_aligned_by_index(adult):
    """A y whose partitions differ from X's is lined up by index, not by position."""
    _, _, ddf = adult
    X = ddf.drop(columns="income")
    same = fitted(ddf)
    moved = EntityEmbeddingEncoder(max_iter=4, random_state=0).fit(
        X, ddf["income"].repartition(npartitions=3)
    )
    for a, b in zip(same.embeddings_, moved.embeddings_):
        np.testing.assert_array_equal(a, b)


def test_read_parquet_column_projection(tmp_path):
    """y read as one column of a parquet dataset lines up with X (Dask merges its files)."""
    X, y, _ = make_categorical(4000, cardinalities=(40, 6), random_state=0)
    for k in range(4):
        X.iloc[k * 1000 : (k + 1) * 1000].assign(y=y[k * 1000 : (k + 1) * 1000]).to_parquet(
            tmp_path / f"part.{k}.parquet"
        )
    frame = dd.read_parquet(str(tmp_path))
    encoder = EntityEmbeddingEncoder(max_iter=2, random_state=0)
    encoder.fit(frame.drop(columns="y"), frame["y"])
    assert encoder.category_counts_[0].sum() <= 4000 and encoder.n_iter_ == 2


def test_distributed_local_cluster(adult):
    """fit and transform run on a dask.distributed LocalCluster of 2 worker processes."""
    distributed = pytest.importorskip("distributed")
    X, _, ddf = adult
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster),
    ):
        encoder = fitted(ddf, max_iter=2)
        out = encoder.transform(ddf.drop(columns="income")).compute()
    local = fitted(ddf, max_iter=2)  # the threaded scheduler: the same tables
    for a, b in zip(encoder.embeddings_, local.embeddings_):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(out.to_numpy(), encoder.transform(X))


def test_a_one_row_partition_never_reaches_batch_norm_alone():
    """A buffer holding a single 1-row partition is skipped, for every seed (was a crash)."""
    rng = np.random.default_rng(0)
    X = pd.DataFrame({"c": rng.choice(list("abcde"), 201), "n": rng.normal(size=201)})
    y = rng.integers(0, 2, 201)
    frame = X.assign(y=y)
    pieces = [frame.iloc[:100], frame.iloc[100:200], frame.iloc[200:]]  # the last has 1 row
    ddf = dd.concat([dd.from_pandas(p, npartitions=1) for p in pieces])
    for seed in range(8):
        encoder = EntityEmbeddingEncoder(max_iter=2, random_state=seed, partitions_per_buffer=1)
        encoder.fit(ddf[["c", "n"]], ddf["y"])
        assert all(np.isfinite(t).all() for t in encoder.embeddings_)


def test_only_one_row_buffers_is_a_clear_error():
    """If every training buffer holds one row, nothing can train: an error says how to fix it."""
    frame = pd.DataFrame({"c": list("abcdef"), "y": [0, 1, 0, 1, 0, 1]})
    ddf = dd.from_pandas(frame, npartitions=6)
    encoder = EntityEmbeddingEncoder(max_iter=2, random_state=0, partitions_per_buffer=1)
    with pytest.raises(ValueError, match="every training buffer held a single row"):
        encoder.fit(ddf[["c"]], ddf["y"])
