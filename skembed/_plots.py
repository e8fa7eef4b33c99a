"""One picture of an embedding table: its rows projected to 2-D or 3-D and scattered.

Used by ``skembed demo`` and meant for
:meth:`~skembed.EntityEmbeddingEncoder.plot_embeddings`. matplotlib is
imported only when a figure has to be made, with an install hint when it is
missing.
"""

from __future__ import annotations

import numbers

import numpy as np

__all__ = ["MATPLOTLIB_HINT", "PROJECTIONS", "plot_embedding_table", "project_rows"]

MATPLOTLIB_HINT = 'plotting embeddings needs matplotlib: pip install "skembed[plot]".'
PROJECTIONS = ("pca", "tsne")


def project_rows(table, method="pca", n_components=2, random_state=None):
    """Rows of ``table`` in ``n_components`` dimensions (zero-padded if it has fewer).

    Parameters
    ----------
    table : array-like of shape (n_rows, dim)
    method : {"pca", "tsne"}, default="pca"
        :class:`sklearn.decomposition.PCA`, or :class:`sklearn.manifold.TSNE`
        (PCA all the same for fewer than 5 rows, too few for t-SNE).
    n_components : int, default=2
    random_state : int, RandomState or None, default=None
        Seed of t-SNE.

    Returns
    -------
    points : ndarray of shape (n_rows, n_components)
    explained : ndarray of shape (n_components,) or None
        PCA's explained variance ratio of each axis (0 for padded axes); None
        for t-SNE.

    Examples
    --------
    >>> points, explained = project_rows([[0.0, 1.0], [1.0, 0.0], [2.0, -1.0]], n_components=3)
    >>> points.shape, explained.round(2).tolist()
    ((3, 3), [1.0, 0.0, 0.0])
    """
    table = np.asarray(table, dtype=np.float64)
    n, dim = table.shape
    usable = min(n_components, dim, n)
    points = np.zeros((n, n_components))
    if method == "pca" or n < 5:
        from sklearn.decomposition import PCA

        explained = np.zeros(n_components)
        if usable:
            pca = PCA(usable)
            points[:, :usable] = pca.fit_transform(table)
            explained[:usable] = pca.explained_variance_ratio_
        return points, explained
    from sklearn.manifold import TSNE

    perplexity = min(30.0, (n - 1) / 3)
    tsne = TSNE(n_components, perplexity=perplexity, random_state=random_state)
    points[:] = tsne.fit_transform(table)
    return points, None


def _check_plot_options(method, n_components, top) -> None:
    """Raise ValueError for a projection, a dimension or a label count that cannot be drawn."""
    if method not in PROJECTIONS:
        raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}.")
    if n_components not in (2, 3):
        raise ValueError(f"n_components must be 2 or 3, got {n_components!r}.")
    if not isinstance(top, numbers.Integral) or top < 0:
        raise ValueError(f"top must be a non-negative int, got {top!r}.")


def _new_axes(n_components):
    """Axes of a new pyplot figure (3-D ones for ``n_components=3``)."""
    try:
        import matplotlib.pyplot as plt
    except ImportError:
        raise ImportError(MATPLOTLIB_HINT) from None
    figure = plt.figure(figsize=(7, 6))
    return figure.add_subplot(projection="3d" if n_components == 3 else None)


def plot_embedding_table(
    vectors,
    labels,
    *,
    counts=None,
    method="pca",
    n_components=2,
    top=30,
    ax=None,
    random_state=None,
    name=None,
    size_by_count=False,
):
    """Scatter plot of an embedding table's rows projected to 2-D or 3-D.

    Every row is a point; the ``top`` most frequent ones are labelled. The
    axes are named after the projection (with PCA's share of the variance).
    Needs matplotlib: ``pip install "skembed[plot]"``.

    Parameters
    ----------
    vectors : array-like of shape (n_rows, dim)
        One vector per category.
    labels : sequence of length n_rows
        The category of each row.
    counts : array-like of shape (n_rows,), default=None
        How often each category was seen; the ``top`` most frequent are
        labelled (ties in row order). None: the first ``top`` rows.
    method : {"pca", "tsne"}, default="pca"
        Projection (see :func:`project_rows`).
    n_components : {2, 3}, default=2
    top : int, default=30
        How many categories get a label.
    ax : matplotlib Axes, default=None
        Axes to draw on (3-D axes for ``n_components=3``); a new pyplot
        figure when None.
    random_state : int, RandomState or None, default=None
        Seed of t-SNE.
    name : str, default=None
        Column name at the start of the title.
    size_by_count : bool, default=False
        Marker area growing with the square root of ``counts`` rather than
        one size for all.

    Returns
    -------
    figure : matplotlib.figure.Figure
        The figure of ``ax``.

    Raises
    ------
    ValueError
        For an unknown ``method``, ``n_components`` or ``top``, or labels
        that do not match the rows.
    ImportError
        Without matplotlib, naming ``pip install "skembed[plot]"``.
    """
    _check_plot_options(method, n_components, top)
    vectors = np.asarray(vectors, dtype=np.float64)
    labels = list(labels)
    if vectors.ndim != 2 or len(labels) != len(vectors):
        raise ValueError(
            f"expected a 2-D table with one label per row; got shape {vectors.shape} and "
            f"{len(labels)} labels."
        )
    counts = None if counts is None else np.asarray(counts, dtype=np.float64)
    if ax is None:
        ax = _new_axes(n_components)
    points, explained = project_rows(vectors, method, n_components, random_state)
    sizes = 12
    if size_by_count and counts is not None:
        sizes = 20 + 400 * np.sqrt(counts / max(counts.max(initial=0), 1))
    ax.scatter(*points.T, s=sizes, alpha=0.6)
    order = np.arange(len(labels)) if counts is None else np.argsort(-counts, kind="stable")
    for row in order[: min(top, len(labels))]:
        if n_components == 2:
            ax.annotate(
                str(labels[row]),
                points[row],
                xytext=(4, 4),
                textcoords="offset points",
                fontsize=9,
            )
        else:
            ax.text(*points[row], str(labels[row]), fontsize=9)
    setters = (ax.set_xlabel, ax.set_ylabel, getattr(ax, "set_zlabel", None))
    for k, set_label in enumerate(setters[:n_components]):
        if explained is None:
            set_label(f"t-SNE {k + 1}")
        else:
            set_label(f"PC {k + 1} ({explained[k]:.0%} of variance)")
    prefix = "" if name is None else f"{name}: "
    ax.set_title(
        f"{prefix}{len(labels)} categories, {method.upper()} of {vectors.shape[1]} dimensions"
    )
    return ax.get_figure()
