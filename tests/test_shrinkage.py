"""Shrinkage: the columns' noise ratios, the rows' penalties, and their pull on real data."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skembed import EntityEmbeddingEncoder  # noqa: E402
from skembed._module import EntityEmbeddingNet  # noqa: E402
from skembed._shrinkage import noise_ratio, row_penalties  # noqa: E402


def _ones(n):
    return torch.ones(n, dtype=torch.float64)


def test_noise_ratio_is_small_for_a_telling_column_and_large_for_noise():
    """A column that sets the target has a ratio near 0; one independent of it a large one."""
    rng = np.random.default_rng(0)
    codes = torch.as_tensor(rng.integers(0, 50, 5000))
    means = torch.as_tensor(rng.normal(size=50))
    telling = (means[codes] + 0.01 * torch.randn(5000, dtype=torch.float64))[:, None]
    noise = torch.randn(5000, 1, dtype=torch.float64)
    assert noise_ratio(codes, 50, telling, _ones(5000), "continuous") < 1e-3
    assert noise_ratio(codes, 50, noise, _ones(5000), "continuous") > 20


def test_noise_ratio_of_classes_is_that_of_their_indicators():
    """Multiclass: the within and between sums of squares of the one-hot columns, summed."""
    rng = np.random.default_rng(1)
    codes = torch.as_tensor(rng.integers(0, 30, 2000))
    classes = torch.as_tensor((rng.integers(0, 30, 2000) + codes.numpy()) % 4)
    weight = torch.as_tensor(rng.uniform(0.5, 1.5, 2000))
    weight = weight / weight.mean()
    one_hot = torch.nn.functional.one_hot(classes, 4).double()
    multiclass = noise_ratio(codes, 30, classes, weight, "multiclass")
    assert multiclass == pytest.approx(noise_ratio(codes, 30, one_hot, weight, "continuous"))


def test_noise_ratio_without_replicates_or_signal():
    """Every category seen once: 1,000; a constant target: 0; zero-weight categories: finite."""
    codes = torch.arange(100)
    target = torch.randn(100, 1, dtype=torch.float64)
    assert noise_ratio(codes, 100, target, _ones(100), "continuous") == pytest.approx(1000)
    constant = torch.zeros(100, 1)
    assert noise_ratio(codes % 7, 100, constant, _ones(100), "continuous") == 0.0
    weight = _ones(100)
    weight[codes % 10 == 3] = 0.0  # a category whose rows all weigh 0
    classes = codes % 3
    assert np.isfinite(noise_ratio(codes % 10, 100, classes, weight, "multiclass"))


def test_row_penalties_scale_with_shrinkage_over_counts():
    """A row's penalty is shrinkage * m / count, an unseen row's as if seen once; none for bags."""
    codes = torch.tensor([[0, 1], [0, 2], [0, 2], [1, 2], [1, 0], [2, 0]])
    target = torch.tensor([[0.0], [1.0], [1.0], [0.0], [1.0], [0.0]])
    sizes, modes = [4, 3, 5], [None, "mean", None]
    penalties = row_penalties(codes, target, _ones(6), "binary", sizes, modes, 0.5)
    assert penalties[1] is None
    for k, column in [(0, 0), (2, 1)]:
        ratio = noise_ratio(codes[:, column], sizes[k], target, _ones(6), "binary")
        counts = torch.bincount(codes[:, column], minlength=sizes[k]).clamp_min(1)
        torch.testing.assert_close(penalties[k], (0.5 * ratio / counts).float())
    assert penalties[0][3] == penalties[0][2]  # row 3, never seen, as row 2, seen once
    twice = row_penalties(codes, target, 2 * _ones(6), "binary", sizes, modes, 0.5)
    torch.testing.assert_close(twice[0], penalties[0])  # weights count relative to their mean


@pytest.mark.parametrize("sparse", [False, True], ids=["flat", "grouped"])
def test_the_penalty_is_the_rows_weights_times_their_squared_norms(sparse):
    """outputs(penalise=True) gives sum(penalty[row] * ||vector||^2) per row, in training only."""
    torch.manual_seed(0)
    sizes, dims = [6, 9], [3, 2]
    net = EntityEmbeddingNet(sizes, dims, 1, (4,), 1, sparse=[sparse, sparse])
    codes = torch.tensor([[0, 8], [5, 1], [5, 8]])
    continuous = torch.zeros(3, 1)
    assert net.outputs(codes, continuous, penalise=True)[1] is None  # nothing set
    penalties = [torch.arange(6.0), 10 + torch.arange(9.0)]
    net.set_row_penalties(penalties)
    _, penalty = net.outputs(codes, continuous, penalise=True)
    expected = sum(
        penalties[k][codes[:, k]] * net.slot(k).view()[codes[:, k]].square().sum(1)
        for k in range(2)
    )
    torch.testing.assert_close(penalty, expected)
    assert net.outputs(codes, continuous)[1] is None


def test_shrinkage_pulls_rare_categories_in_on_real_data():
    """On the adult sample's occupations, shrinkage shrinks rare categories' vectors most."""
    from skembed.datasets import load_adult_sample

    X, y = load_adult_sample()
    column = list(X.columns).index("occupation")
    norms = {}
    for shrinkage in [0.0, 0.2]:
        encoder = EntityEmbeddingEncoder(shrinkage=shrinkage, max_iter=3, random_state=0)
        encoder.fit(X, y)
        k = list(encoder.categorical_columns_).index(column)
        counts = encoder.category_counts_[k][: len(encoder.categories_[k])]
        table = encoder.embeddings_[k][: len(counts)]
        norm = np.linalg.norm(table, axis=1)
        norms[shrinkage] = (norm[counts < 100].mean(), norm[counts >= 200].mean())
    rare_kept = norms[0.2][0] / norms[0.0][0]
    common_kept = norms[0.2][1] / norms[0.0][1]
    assert rare_kept < 0.5 * common_kept
