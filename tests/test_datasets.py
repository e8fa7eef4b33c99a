"""Tests of skembed.datasets: the synthetic generator and the bundled Adult sample."""

from importlib import resources

import numpy as np
import pandas as pd
import pytest
from sklearn.utils import Bunch

from skembed import EntityEmbeddingEncoder
from skembed.datasets import ADULT_CATEGORICAL, load_adult_sample, make_categorical


@pytest.fixture
def one_torch_thread():
    """Train on one thread, so the test stays fast when the 2 cores are shared."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def cosine_neighbours(vectors, k):
    """Indices of the k nearest rows of each row by cosine similarity, itself excluded."""
    unit = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)
    similarity = unit @ unit.T
    np.fill_diagonal(similarity, -np.inf)
    return np.argsort(-similarity, axis=1, kind="stable")[:, :k]


def neighbour_overlap(a, b, k):
    """Mean share of the k cosine neighbours of each row that ``a`` and ``b`` agree on."""
    na, nb = cosine_neighbours(a, k), cosine_neighbours(b, k)
    shared = (na[:, :, None] == nb[:, None, :]).any(axis=2).sum(axis=1)
    return float(np.mean(shared / k))


# ---------------------------------------------------------------- make_categorical


def test_make_categorical_layout():
    """X has string categorical columns then float columns, y and true vectors line up."""
    X, y, true_vectors = make_categorical(
        n_rows=500, cardinalities=(3, 7), n_continuous=2, embedding_dim=4, random_state=0
    )
    assert X.columns.tolist() == ["c0", "c1", "x0", "x1"]
    assert X.shape == (500, 4)
    for name in ("c0", "c1"):
        assert isinstance(X[name].dtype, pd.StringDtype)
    assert X["x0"].dtype == np.float64 and X["x1"].dtype == np.float64
    assert set(X["c1"]) <= {f"c1_{k}" for k in range(7)}
    assert y.shape == (500,) and y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
    assert [t.shape for t in true_vectors] == [(3, 4), (7, 4)]
    assert true_vectors[1].index.tolist() == [f"c1_{k}" for k in range(7)]
    assert true_vectors[1].index.name == "c1"
    assert true_vectors[0].columns.tolist() == ["true0", "true1", "true2", "true3"]


def test_make_categorical_reproducible():
    """The same random_state gives identical data, a different one different data."""
    a = make_categorical(n_rows=300, random_state=3)
    b = make_categorical(n_rows=300, random_state=3)
    c = make_categorical(n_rows=300, random_state=4)
    pd.testing.assert_frame_equal(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])
    for ta, tb in zip(a[2], b[2]):
        pd.testing.assert_frame_equal(ta, tb)
    assert not a[0].equals(c[0])


def test_make_categorical_skewed_frequencies():
    """Category k is drawn with probability proportional to (k + 1) ** -skew."""
    n = 40_000
    X, _, _ = make_categorical(n_rows=n, cardinalities=(10,), skew=1.5, random_state=0)
    counts = X["c0"].value_counts().reindex([f"c0_{k}" for k in range(10)]).to_numpy()
    expected = np.arange(1, 11) ** -1.5
    np.testing.assert_allclose(counts / n, expected / expected.sum(), atol=0.01)
    X, _, _ = make_categorical(n_rows=n, cardinalities=(10,), skew=0, random_state=0)
    np.testing.assert_allclose(X["c0"].value_counts().to_numpy() / n, 0.1, atol=0.01)


def test_make_categorical_tasks():
    """Binary is balanced, multiclass has n_classes labels, continuous is standardized."""
    _, y, _ = make_categorical(n_rows=1000, task="binary", random_state=0)
    assert y.mean() == 0.5
    _, y, _ = make_categorical(n_rows=1000, task="multiclass", n_classes=4, random_state=0)
    assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1, 2, 3}
    _, y, _ = make_categorical(n_rows=1000, task="continuous", noise=0.0, random_state=0)
    assert y.dtype == np.float64
    assert abs(y.mean()) < 1e-9 and abs(y.std() - 1) < 1e-9


def test_make_categorical_target_depends_on_true_vectors():
    """Without noise, y is exactly a quadratic function of the true vectors and x."""
    X, y, true_vectors = make_categorical(
        n_rows=2000, cardinalities=(4, 6), task="continuous", noise=0.0, random_state=1
    )

    def quadratic_fit_residual(tables):
        # the score is quadratic in the latent position, which is linear in the vectors
        parts = [t.loc[X[c].to_numpy()].to_numpy() for c, t in zip(["c0", "c1"], tables)]
        z = np.hstack([*parts, X[["x0", "x1"]].to_numpy()])
        pairs = (z[:, :, None] * z[:, None, :]).reshape(len(z), -1)
        design = np.hstack([np.ones((len(z), 1)), z, pairs])
        coef, *_ = np.linalg.lstsq(design, y, rcond=None)
        return (y - design @ coef).std()

    assert quadratic_fit_residual(true_vectors) < 1e-8
    # the vectors of the wrong categories explain y badly
    wrong = true_vectors[1].set_axis(true_vectors[1].index[::-1])
    assert quadratic_fit_residual([true_vectors[0], wrong]) > 0.1


@pytest.mark.parametrize(
    "kwargs, match",
    [
        ({"n_rows": 1}, "n_rows must be an int >= 2"),
        ({"cardinalities": ()}, "at least one categorical column"),
        ({"cardinalities": "abc"}, "cardinalities must be a sequence"),
        ({"cardinalities": (3, 0)}, "every entry of cardinalities"),
        ({"n_continuous": -1}, "n_continuous"),
        ({"task": "regression"}, "task must be"),
        ({"n_classes": 1}, "n_classes"),
        ({"embedding_dim": 0}, "embedding_dim"),
        ({"noise": -0.1}, "noise"),
        ({"skew": float("nan")}, "skew"),
    ],
)
def test_make_categorical_invalid_arguments(kwargs, match):
    """Invalid arguments raise a ValueError naming the argument."""
    with pytest.raises(ValueError, match=match):
        make_categorical(**kwargs)


def test_learned_embeddings_recover_true_neighbours(one_torch_thread):
    """Cosine neighbours in the learned space overlap the true neighbours far above chance."""
    X, y, true_vectors = make_categorical(
        n_rows=10_000, cardinalities=(5, 30), embedding_dim=2, skew=0.5, random_state=0
    )
    encoder = EntityEmbeddingEncoder(
        embedding_dim=2,
        max_iter=20,
        batch_size=512,
        learning_rate_init=0.01,
        random_state=0,
    ).fit(X, y)
    learned = encoder.get_embeddings("c1").drop(index=["<unknown>", "<missing>"])
    true = true_vectors[1].loc[learned.index]  # align the rows by category label
    n_categories, k = len(learned), 3
    assert n_categories == 30
    chance = k / (n_categories - 1)  # expected overlap of k neighbours drawn at random

    overlap = neighbour_overlap(learned.to_numpy(), true.to_numpy(), k)
    assert overlap >= chance + 0.25, (overlap, chance)
    assert overlap >= 3 * chance, (overlap, chance)

    # control: against vectors unrelated to the categories, the same measure is at chance
    shuffled = np.random.RandomState(0).permutation(true.to_numpy())
    control = neighbour_overlap(learned.to_numpy(), shuffled, k)
    assert abs(control - chance) < 0.12, (control, chance)


# ---------------------------------------------------------------- load_adult_sample


def test_load_adult_sample():
    """The bundled sample has 10,000 rows, string categoricals, int continuous, 0/1 target."""
    X, y = load_adult_sample()
    assert X.shape == (10_000, 14) and y.shape == (10_000,)
    assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
    assert 0.2 < y.mean() < 0.3
    categorical = ADULT_CATEGORICAL
    for name in X.columns:
        if name in categorical:
            assert isinstance(X[name].dtype, pd.StringDtype), name
        else:
            assert X[name].dtype == np.int64, name
    assert "income" not in X.columns
    # "?" of the source is a missing value
    assert not (X[categorical] == "?").any().any()
    assert X["occupation"].isna().sum() > 0


def test_load_adult_sample_bunch():
    """return_X_y=False gives a Bunch with the same data and the original labels."""
    data = load_adult_sample(return_X_y=False)
    X, y = load_adult_sample()
    assert isinstance(data, Bunch)
    pd.testing.assert_frame_equal(data.data, X)
    np.testing.assert_array_equal(data.target, y)
    assert data.target_names == ["<=50K", ">50K"]
    assert data.feature_names == X.columns.tolist()
    assert set(data.categorical_features) | set(data.continuous_features) == set(X.columns)
    np.testing.assert_array_equal(data.frame["income"].to_numpy() == ">50K", y == 1)
    assert "CC BY 4.0" in data.DESCR


def test_adult_sample_file_is_small():
    """The bundled file stays below 400 KB."""
    size = resources.files("skembed").joinpath("data", "adult_sample.csv.gz").stat().st_size
    assert size < 400_000


def test_adult_sample_is_the_documented_sample_of_the_source(adult):
    """The sample equals adult.parquet.sample(n=10000, random_state=0), '?' as missing."""
    source_X, source_y = adult  # skips without ../shared/datasets
    expected_X = source_X.sample(n=10_000, random_state=0)
    expected_y = source_y[expected_X.index.to_numpy()]
    expected_X = expected_X.reset_index(drop=True)
    X, y = load_adult_sample()
    for name in expected_X.select_dtypes(exclude="number").columns:
        expected_X[name] = expected_X[name].replace("?", np.nan).astype(X[name].dtype)
    pd.testing.assert_frame_equal(X, expected_X)
    np.testing.assert_array_equal(y, expected_y)
