"""Looking at fitted tables: one column's table as a frame, nearest categories, a picture."""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.utils.validation import check_is_fitted

from ._categories import extra_row_labels
from ._encode import fitted_vocabularies, input_names
from ._files import EXTRA_ROWS_ATTR, labelled_frame
from ._layout import encoder_layout
from ._values import build_lookup, lookup_codes

__all__ = [
    "TableInspectionMixin",
    "categorical_position",
    "embeddings_frame",
    "most_similar",
    "plot_column",
]


class TableInspectionMixin:
    """``get_embeddings``, ``most_similar`` and ``plot_embeddings``: looking at fitted tables."""

    def get_embeddings(self, column):
        """The embedding table of one categorical column as a DataFrame.

        Parameters
        ----------
        column : str or int
            Column name (as in ``feature_names_in_``) or column index in ``X``.

        Returns
        -------
        table : pandas.DataFrame of shape (n_categories + 2 + n_buckets, dim)
            Indexed by category, then the rows labelled ``"<unknown>"`` and
            ``"<missing>"``, then ``"<hash 0>"``, ... for the hash buckets;
            columns are the output feature names.
        """
        check_is_fitted(self, "embeddings_")
        return embeddings_frame(self, column, self.get_feature_names_out())

    def most_similar(self, column, category, k=10):
        """The ``k`` categories of ``column`` whose vectors are closest by cosine.

        Parameters
        ----------
        column : str or int
            A categorical column (name or index in ``X``).
        category : object
            One of ``categories_`` of that column.
        k : int, default=10
            How many neighbours to return (fewer if the column has fewer
            other categories).

        Returns
        -------
        similar : list of (category, float)
            Neighbours and their cosine similarity, most similar first; the
            category itself is left out.

        Raises
        ------
        KeyError
            If ``category`` has no row of its own (never seen in ``fit``, or
            pooled by ``min_frequency`` / ``max_categories``).

        Examples
        --------
        >>> from skembed import EntityEmbeddingEncoder
        >>> from skembed.datasets import load_adult_sample
        >>> X, y = load_adult_sample()
        >>> enc = EntityEmbeddingEncoder(max_iter=5, random_state=0).fit(X, y)
        >>> neighbours = enc.most_similar("education", "Masters", k=3)
        >>> len(neighbours), "Masters" in dict(neighbours)
        (3, False)
        """
        check_is_fitted(self, "embeddings_")
        return most_similar(self, column, category, k)

    def plot_embeddings(self, column, *, method="pca", n_components=2, top=30, ax=None):
        """Scatter plot of a column's category vectors projected to 2-D or 3-D.

        Every category is a point; the ``top`` most frequent ones (in
        ``fit``) are labelled. Needs matplotlib: ``pip install
        "skembed[plot]"``.

        Parameters
        ----------
        column : str or int
            A categorical column (name or index in ``X``).
        method : {"pca", "tsne"}, default="pca"
            Projection: :class:`sklearn.decomposition.PCA`, or
            :class:`sklearn.manifold.TSNE` (seeded with ``random_state``).
        n_components : {2, 3}, default=2
        top : int, default=30
            How many of the most frequent categories get a label.
        ax : matplotlib Axes, default=None
            Axes to draw on (3-D axes for ``n_components=3``); a new figure
            when None.

        Returns
        -------
        figure : matplotlib.figure.Figure
        """
        check_is_fitted(self, "embeddings_")
        return plot_column(self, column, method=method, n_components=n_components, top=top, ax=ax)


def categorical_position(encoder, column) -> int:
    """Position in ``categories_`` of ``column`` (a name or an index in X), or a KeyError."""
    names = input_names(encoder)
    if isinstance(column, str) and column in names:
        j = names.index(column)
    elif isinstance(column, numbers.Integral) and 0 <= column < encoder.n_features_in_:
        j = int(column)
    else:
        raise KeyError(
            f"Column {column!r} was not seen in fit; expected one of the categorical "
            f"columns {[names[j] for j in encoder.categorical_columns_]}."
        )
    position = np.flatnonzero(encoder.categorical_columns_ == j)
    if len(position) == 0:
        raise KeyError(
            f"Column {names[j]!r} is continuous and has no embeddings; categorical "
            f"columns are {[names[c] for c in encoder.categorical_columns_]}."
        )
    return int(position[0])


def embeddings_frame(encoder, column, feature_names):
    """Column ``column``'s table as a DataFrame indexed by category, then the extra rows."""
    i = categorical_position(encoder, column)
    j = encoder.categorical_columns_[i]
    start, stop = encoder_layout(encoder).blocks()[i]
    names = feature_names[start:stop]
    categories = encoder.categories_[i]
    extra = extra_row_labels(categories, fitted_vocabularies(encoder)[i].n_buckets)
    frame = labelled_frame(encoder.embeddings_[i], list(categories) + extra, names,
                           input_names(encoder)[j])  # fmt: skip
    frame.attrs[EXTRA_ROWS_ATTR] = extra  # pretrained_embeddings leaves these rows out
    return frame


def most_similar(encoder, column, category, k) -> list:
    """The ``k`` categories of ``column`` closest to ``category`` by cosine, best first."""
    if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
        raise ValueError(f"k must be a positive int, got {k!r}.")
    i = categorical_position(encoder, column)
    categories = encoder.categories_[i]
    position = lookup_codes(build_lookup(categories), np.array([category], dtype=object))
    if position[0] < 0:
        infrequent = encoder.infrequent_categories_[i]
        probe = np.array([category], dtype=object)
        pooled = len(infrequent) and lookup_codes(build_lookup(infrequent), probe)[0] >= 0
        why = (
            "was pooled into the unknown row (by min_frequency or max_categories)"
            if pooled
            else "was not seen in fit"
        )
        pick = (
            f"Pick one of categories_[{i}] (e.g. {list(categories[:3])})."
            if len(categories)
            else f"No category of column {column!r} kept a row of its own; lower min_frequency."
        )
        raise KeyError(
            f"Category {category!r} of column {column!r} has no vector of its own: it "
            f"{why}. {pick}"
        )
    table = encoder.embeddings_[i][: len(categories)].astype(np.float64)
    norms = np.linalg.norm(table, axis=1)
    unit = table / np.where(norms > 0, norms, 1.0)[:, None]
    similarity = unit @ unit[position[0]]
    similarity[position[0]] = -np.inf
    k = min(int(k), len(categories) - 1)
    best = np.argpartition(-similarity, k - 1)[:k] if k else np.empty(0, np.int64)
    best = best[np.argsort(-similarity[best], kind="stable")]
    return [(categories[b], float(similarity[b])) for b in best]


def plot_column(encoder, column, *, method, n_components, top, ax):
    """Scatter plot of ``column``'s category vectors (see ``plot_embeddings``)."""
    from ._plots import plot_embedding_table

    i = categorical_position(encoder, column)
    categories = encoder.categories_[i]
    return plot_embedding_table(
        encoder.embeddings_[i][: len(categories)],
        categories,
        counts=encoder.category_counts_[i],
        method=method,
        n_components=n_components,
        top=top,
        ax=ax,
        random_state=encoder.random_state,
        name=input_names(encoder)[encoder.categorical_columns_[i]],
    )
