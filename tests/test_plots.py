"""Tests of skembed._plots: the projection and the scatter plot of an embedding table."""

import sys

import numpy as np
import pytest

from skembed._plots import plot_embedding_table, project_rows

LABELS = ["a", "b", "c", "d", "e", "f"]
COUNTS = [5, 50, 1, 50, 20, 0]
MOST_FREQUENT = ["b", "d", "e"]  # ties in row order


@pytest.fixture
def vectors():
    """A 6-category table of 4-D vectors."""
    return np.random.default_rng(0).normal(size=(6, 4))


@pytest.fixture
def matplotlib_agg():
    """matplotlib with the non-interactive backend; pyplot figures closed afterwards."""
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield matplotlib
    plt.close("all")


def test_project_rows_pca_matches_sklearn_and_pads(vectors):
    """PCA points equal sklearn's; axes past the table's width are zeros with 0 variance."""
    from sklearn.decomposition import PCA

    points, explained = project_rows(vectors, "pca", 3)
    pca = PCA(3).fit(vectors)
    np.testing.assert_allclose(np.abs(points), np.abs(pca.transform(vectors)), atol=1e-12)
    np.testing.assert_allclose(explained, pca.explained_variance_ratio_)
    narrow, ratios = project_rows(vectors[:, :1], "pca", 2)
    assert narrow.shape == (6, 2) and not narrow[:, 1].any() and ratios[1] == 0


def test_project_rows_tsne_and_its_pca_fallback(vectors):
    """t-SNE gives no variance ratios; fewer than 5 rows fall back to PCA."""
    points, explained = project_rows(np.tile(vectors, (2, 1)), "tsne", 2, random_state=0)
    assert points.shape == (12, 2) and explained is None
    few, ratios = project_rows(vectors[:4], "tsne", 2, random_state=0)
    assert few.shape == (4, 2) and ratios is not None


def test_plot_labels_the_most_frequent_in_2d(vectors, matplotlib_agg):
    """2-D: one point per row, the `top` most frequent labelled, PCA axes and title named."""
    figure = plot_embedding_table(vectors, LABELS, counts=COUNTS, top=3, name="city")
    ax = figure.axes[0]
    assert [text.get_text() for text in ax.texts] == MOST_FREQUENT
    assert len(ax.collections[0].get_offsets()) == 6
    assert ax.name == "rectilinear"
    assert ax.get_xlabel().startswith("PC 1 (") and "of variance" in ax.get_ylabel()
    assert ax.get_title() == "city: 6 categories, PCA of 4 dimensions"


def test_plot_in_3d_with_tsne(vectors, matplotlib_agg):
    """3-D t-SNE: 3-D axes, text labels and t-SNE axis names."""
    table = np.tile(vectors, (2, 1))
    figure = plot_embedding_table(
        table, LABELS * 2, method="tsne", n_components=3, top=2, random_state=0
    )
    ax = figure.axes[0]
    assert ax.name == "3d"
    assert len(ax.texts) == 2
    assert ax.get_zlabel() == "t-SNE 3"
    assert ax.get_title() == "12 categories, TSNE of 4 dimensions"


def test_plot_on_given_axes_with_sizes_by_count(vectors, matplotlib_agg):
    """Given axes are drawn on and their figure returned; markers grow with the counts."""
    from matplotlib.figure import Figure

    figure = Figure()
    ax = figure.add_subplot()
    assert plot_embedding_table(vectors, LABELS, counts=COUNTS, ax=ax, size_by_count=True) is (
        figure
    )
    sizes = ax.collections[0].get_sizes()
    assert sizes[1] == pytest.approx(420) and sizes[5] == pytest.approx(20)
    assert len(ax.texts) == 6  # top=30 is more than there are rows


def test_plot_without_counts_labels_the_first_rows(vectors, matplotlib_agg):
    """Without counts, the first `top` rows are labelled, all markers of one size."""
    ax = plot_embedding_table(vectors, LABELS, top=2).axes[0]
    assert [text.get_text() for text in ax.texts] == ["a", "b"]
    assert set(ax.collections[0].get_sizes()) == {12}


@pytest.mark.parametrize(
    "options, message",
    [
        ({"method": "umap"}, "method must be"),
        ({"n_components": 4}, "n_components must be 2 or 3"),
        ({"top": -1}, "top must be a non-negative int"),
        ({"labels": LABELS[:3]}, "one label per row"),
    ],
)
def test_plot_rejects_bad_options(vectors, options, message):
    """An unknown method, a dimension other than 2 or 3, a negative top, too few labels."""
    labels = options.pop("labels", LABELS)
    with pytest.raises(ValueError, match=message):
        plot_embedding_table(vectors, labels, **options)


def test_plot_without_matplotlib_names_the_extra(vectors, monkeypatch):
    """Without matplotlib, the ImportError names pip install "skembed[plot]"."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    with pytest.raises(ImportError, match=r'pip install "skembed\[plot\]"'):
        plot_embedding_table(vectors, LABELS)
