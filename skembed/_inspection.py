"""Looking at fitted tables: one column's table as a frame, nearest categories, a picture."""

from __future__ import annotations

import numbers

import numpy as np

from ._categories import extra_row_labels
from ._encode import fitted_vocabularies, input_names
from ._files import EXTRA_ROWS_ATTR, labelled_frame
from ._layout import encoder_layout
from ._values import build_lookup, lookup_codes

__all__ = ["categorical_position", "embeddings_frame", "most_similar", "plot_column"]


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
