"""shared_embeddings: columns naming one kind of entity read one table."""

import numpy as np
import pandas as pd
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from conftest import shared_dataset
from skembed import EntityEmbeddingEncoder, load

FAST = dict(max_iter=3, random_state=0, n_jobs=1)


@pytest.fixture(scope="module")
def flights():
    """Origin and destination airports; "zrh" is only ever a destination."""
    rng = np.random.RandomState(0)
    airports = np.array(["ams", "cdg", "fra", "lhr", "mad"])
    origin = rng.choice(airports, 600)
    dest = np.where(rng.rand(600) < 0.1, "zrh", rng.choice(airports, 600))
    X = pd.DataFrame({"origin": origin, "dest": dest, "hour": rng.randint(0, 24, 600)})
    y = ((origin == "lhr") | (dest == "zrh") | (rng.rand(600) < 0.2)).astype(int)
    return X, y


def test_one_table_over_the_union_and_a_block_per_column(flights):
    """Both columns know every airport, with the same rows; each keeps its own block."""
    X, y = flights
    encoder = EntityEmbeddingEncoder(shared_embeddings=[["origin", "dest"]], **FAST).fit(X, y)
    assert encoder.categories_[0].tolist() == encoder.categories_[1].tolist()
    assert "zrh" in encoder.categories_[0].tolist()
    assert encoder.shared_embeddings_ == [[0, 1]]
    origin, dest = encoder.get_embeddings("origin"), encoder.get_embeddings("dest")
    np.testing.assert_array_equal(origin.iloc[:-2].to_numpy(), dest.iloc[:-2].to_numpy())
    Z = encoder.transform(X.iloc[:1])
    width = encoder.embedding_dims_[0]
    np.testing.assert_array_equal(Z[0, :width], origin.loc[X["origin"].iloc[0]].to_numpy())
    np.testing.assert_array_equal(Z[0, width : 2 * width], dest.loc[X["dest"].iloc[0]].to_numpy())
    counts = dict(zip(encoder.categories_[0], encoder.category_counts_[0]))
    assert counts["zrh"] == 0 and counts["lhr"] == (X["origin"] == "lhr").sum()


def test_min_frequency_counts_both_columns():
    """A category seen twice in each column passes min_frequency=3 only when shared."""
    X = pd.DataFrame({"a": ["p"] * 2 + ["q"] * 28, "b": ["p"] * 2 + ["s"] * 28})
    y = np.arange(30) % 2
    alone = EntityEmbeddingEncoder(min_frequency=3, **FAST).fit(X, y)
    together = EntityEmbeddingEncoder(min_frequency=3, shared_embeddings=[["a", "b"]], **FAST)
    together.fit(X, y)
    assert "p" not in alone.categories_[0] and "p" in together.categories_[0]


def test_shared_buckets_and_save_load(flights, tmp_path):
    """Hash buckets are shared too, and a saved encoder keeps its groups and output."""
    X, y = flights
    encoder = EntityEmbeddingEncoder(
        shared_embeddings=[["origin", "dest"]], hash_buckets=3, max_categories=3, **FAST
    ).fit(X, y)
    n = len(encoder.categories_[0])  # unknown and missing rows are completed per column
    np.testing.assert_array_equal(encoder.embeddings_[0][:n], encoder.embeddings_[1][:n])
    np.testing.assert_array_equal(encoder.embeddings_[0][-3:], encoder.embeddings_[1][-3:])
    loaded = load(encoder.save(tmp_path / "shared.skembed"))
    assert loaded.shared_embeddings_ == [[0, 1]]
    np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))


def test_self_supervised_and_warm_start_with_shared_tables(flights):
    """fit(X) and a warm second fit train the shared table as well."""
    X, y = flights
    params = dict(shared_embeddings=[["origin", "dest"]], **FAST)
    encoder = EntityEmbeddingEncoder(**params).fit(X)
    assert encoder.categories_[0].tolist() == encoder.categories_[1].tolist()
    warm = EntityEmbeddingEncoder(warm_start=True, **params).fit(X[:300], y[:300])
    warm.fit(X[300:], y[300:])
    n = len(warm.categories_[0])
    np.testing.assert_array_equal(warm.embeddings_[0][:n], warm.embeddings_[1][:n])


@pytest.mark.parametrize(
    "params, match",
    [
        (dict(shared_embeddings=[["origin", "hour"]]), "continuous"),
        (dict(shared_embeddings=[["origin"]]), "two or more"),
        (dict(shared_embeddings=[["origin", "dest"], ["dest", "origin"]]), "twice"),
        (dict(shared_embeddings=[["origin", "dest"]], hash_buckets={"origin": 2}), "hash_buck"),
        (dict(shared_embeddings=[["origin", "dest"]], separator={"dest": "|"}), "mixes"),
        (dict(shared_embeddings=[["origin", "dest"]], embedding_dim={"dest": 3}), "widths"),
        (dict(shared_embeddings=[["origin", "dest"]], categories={"dest": ["zrh"]}), "group"),
        (
            dict(
                shared_embeddings=[["origin", "dest"]],
                pretrained_embeddings={
                    "origin": pd.DataFrame([[0.0, 1.0]], index=["ams"]),
                    "dest": pd.DataFrame([[1.0, 0.0]], index=["ams"]),
                },
            ),
            "several",
        ),
    ],
)
def test_groups_that_cannot_share_are_refused(flights, params, match):
    """Each impossible group is a ValueError naming what stands in the way."""
    X, y = flights
    with pytest.raises(ValueError, match=match):
        EntityEmbeddingEncoder(**params, **FAST).fit(X, y)


def test_list_valued_columns_share_a_table():
    """Two tag columns (bags) read one table over the union of their tokens."""
    rng = np.random.RandomState(0)
    tags = np.array(["a", "b", "c", "d"])
    X = pd.DataFrame(
        {
            "liked": ["|".join(rng.choice(tags[:3], 2)) for _ in range(300)],
            "shared": ["|".join(rng.choice(tags[1:], 2)) for _ in range(300)],
        }
    )
    y = X["liked"].str.contains("a") | X["shared"].str.contains("d")
    encoder = EntityEmbeddingEncoder(
        shared_embeddings=[["liked", "shared"]], separator={"liked": "|", "shared": "|"}, **FAST
    ).fit(X, y)
    assert encoder.categories_[0].tolist() == encoder.categories_[1].tolist() == list(tags)
    np.testing.assert_array_equal(encoder.embeddings_[0][:4], encoder.embeddings_[1][:4])
    counts = dict(zip(encoder.categories_[0], encoder.category_counts_[0]))
    assert counts["d"] == 0 and counts["a"] == X["liked"].str.contains("a").sum()


def test_dask_fit_shares_bag_tables():
    """Tag columns split by a separator share one table in a Dask fit as in memory."""
    dd = pytest.importorskip("dask.dataframe")
    X = pd.DataFrame({"a": ["x|y", "y", "z|x", "y|z"] * 40, "b": ["y|w", "w", "x", "z|w"] * 40})
    y = np.arange(160) % 2
    params = dict(shared_embeddings=[["a", "b"]], separator={"a": "|", "b": "|"}, **FAST)
    ddf = dd.from_pandas(X.assign(t=y), npartitions=2)
    streamed = EntityEmbeddingEncoder(**params).fit(ddf.drop(columns="t"), ddf["t"])
    assert streamed.categories_[0].tolist() == streamed.categories_[1].tolist()
    assert streamed.categories_[0].tolist() == ["w", "x", "y", "z"]
    np.testing.assert_array_equal(streamed.embeddings_[0][:4], streamed.embeddings_[1][:4])


def test_tensor_input_shares_tables_as_numpy_does():
    """Codes in a torch tensor (the device path, here on the CPU) give the NumPy fit's
    shared vocabulary and tables."""
    torch = pytest.importorskip("torch")
    rng = np.random.RandomState(0)
    X = np.column_stack([rng.randint(0, 30, 2000), rng.randint(10, 40, 2000)]).astype(np.int64)
    y = ((X[:, 0] % 3 == 0) ^ (X[:, 1] % 4 == 1)).astype(np.float64)
    params = dict(categorical_features=[0, 1], shared_embeddings=[[0, 1]], device="cpu", **FAST)
    on_host = EntityEmbeddingEncoder(**params).fit(X, y)
    on_device = EntityEmbeddingEncoder(**params).fit(torch.as_tensor(X), torch.as_tensor(y))
    assert on_device.categories_[0].tolist() == on_host.categories_[0].tolist() == list(range(40))
    for a, b in zip(on_device.embeddings_, on_host.embeddings_):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_a_pretrained_table_serves_the_whole_group(flights):
    """A pretrained (frozen) table given for one column is the group's: both columns read
    its vectors, and its categories are kept."""
    X, y = flights
    vectors = pd.DataFrame([[0.5, -0.5, 0.25], [1.0, 0.0, -1.0]], index=["ams", "zrh"])
    encoder = EntityEmbeddingEncoder(
        shared_embeddings=[["origin", "dest"]],
        pretrained_embeddings={"dest": vectors},
        freeze_pretrained=True,
        **FAST,
    ).fit(X, y)
    assert encoder.embedding_dims_ == [3, 3]
    for column in ("origin", "dest"):
        table = encoder.get_embeddings(column)
        np.testing.assert_array_equal(table.loc[["ams", "zrh"]].to_numpy(), vectors.to_numpy())


def test_dask_fit_shares_tables_as_in_memory(flights):
    """A Dask fit builds the same union vocabulary and one table for the group."""
    dd = pytest.importorskip("dask.dataframe")
    X, y = flights
    ddf = dd.from_pandas(X.assign(target=y), npartitions=3)
    params = dict(shared_embeddings=[["origin", "dest"]], **FAST)
    streamed = EntityEmbeddingEncoder(**params).fit(ddf.drop(columns="target"), ddf["target"])
    in_memory = EntityEmbeddingEncoder(**params).fit(X, y)
    assert streamed.shared_embeddings_ == [[0, 1]]
    for a, b in zip(streamed.categories_, in_memory.categories_):
        assert a.tolist() == b.tolist()
    n = len(streamed.categories_[0])
    np.testing.assert_array_equal(streamed.embeddings_[0][:n], streamed.embeddings_[1][:n])
    np.testing.assert_array_equal(streamed.category_counts_[1], in_memory.category_counts_[1])


def test_bundesliga_home_and_away_teams_share_a_table():
    """On the Bundesliga results (real data), home and away teams read one table; the output
    still predicts home wins on later seasons."""
    frame = pd.read_parquet(shared_dataset("suite/bundesliga.parquet"))
    X = frame[["HomeTeam", "AwayTeam"]].astype(str)
    y = frame["home_win"].astype(int).to_numpy()
    train = (frame["Year"] < frame["Year"].quantile(0.8)).to_numpy()
    encoder = EntityEmbeddingEncoder(shared_embeddings=[["HomeTeam", "AwayTeam"]], **FAST)
    Z = encoder.fit_transform(X[train], y[train])
    teams = set(X[train]["HomeTeam"]) | set(X[train]["AwayTeam"])
    assert set(encoder.categories_[0].tolist()) == teams
    model = LogisticRegression().fit(Z, y[train])
    assert roc_auc_score(y[~train], model.predict_proba(encoder.transform(X[~train]))[:, 1]) > 0.55
