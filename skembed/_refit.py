"""Encoders across refits: a new fit's tables moved onto a previous fit's coordinates.

``EntityEmbeddingEncoder.align(reference)`` rotates and shifts each table of a fitted
encoder onto the same-named column of ``reference`` (weighted orthogonal Procrustes on the
categories both know, :mod:`skembed._alignment`), so that a downstream model trained on
the previous fit's features reads the new ones, and records how far the shared categories
were before and after in ``alignment_drift_``.
"""

from __future__ import annotations

from sklearn.utils.validation import check_is_fitted

from ._alignment import procrustes_onto
from ._encode import input_names

__all__ = ["align_encoder"]


def align_encoder(encoder, reference) -> None:
    """Move every table of fitted ``encoder`` onto ``reference``'s, column by column."""
    if not callable(getattr(reference, "get_embeddings", None)):  # not our encoder
        raise TypeError(
            f"reference must be a fitted EntityEmbeddingEncoder, got {type(reference).__name__}."
        )
    check_is_fitted(reference, "embeddings_")
    names, reference_names = input_names(encoder), input_names(reference)
    reference_position = {
        reference_names[j]: i for i, j in enumerate(reference.categorical_columns_)
    }
    moves, drift = {}, {}
    for i, j in enumerate(encoder.categorical_columns_):
        name = names[j]
        k = reference_position.get(name)
        if k is None:
            continue  # a column the reference does not embed keeps its coordinates
        if encoder.embedding_dims_[i] != reference.embedding_dims_[k]:
            raise ValueError(
                f"Column {name!r} has width {encoder.embedding_dims_[i]} here and "
                f"{reference.embedding_dims_[k]} in the reference, so no rotation maps one "
                "onto the other. Fit with the reference's widths: "
                "embedding_dim=dict(zip(names, reference.embedding_dims_)) for the names of "
                "its categorical columns."
            )
        moved = procrustes_onto(
            encoder.embeddings_[i], encoder.categories_[i], encoder.category_counts_[i],
            reference.embeddings_[k], reference.categories_[k],
        )  # fmt: skip
        moves[i] = moved.table
        drift[name] = (moved.n_shared, moved.drift_before, moved.drift_after)
    if not drift:
        own = [names[j] for j in encoder.categorical_columns_]
        raise ValueError(
            f"No categorical column of this encoder ({own}) is embedded by the reference "
            f"({sorted(reference_position)}); nothing to align."
        )
    for i, table in moves.items():  # all or nothing: every check passed
        encoder.embeddings_[i] = table
    encoder.alignment_drift_ = drift
