"""The host transform: every category replaced by its table row with a NumPy gather.

No torch: a fitted encoder transforms on machines without it. Columns are factorized
once (pandas hash tables), their distinct values looked up in the vocabulary, and the
output filled in blocks of rows so that temporaries stay small and are reused.
"""

from __future__ import annotations

import numpy as np

from ._bags import bag_vectors
from ._continuous import continuous_output
from ._layout import encoder_layout

__all__ = ["check_unseen", "continuous_block", "transform_host"]

TRANSFORM_CHUNK = 16384  # rows gathered at a time


def check_unseen(table, j: int, unseen, handle_unknown: str) -> None:
    """Under ``handle_unknown="error"``, raise if column ``j`` had unseen categories."""
    if len(unseen) and handle_unknown == "error":
        shown = ", ".join(repr(v) for v in unseen[:5])
        more = f" and {len(unseen) - 5} more" if len(unseen) > 5 else ""
        raise ValueError(
            f"Found unknown categories in column {table.column_label(j)} during "
            f"transform: {shown}{more}. They were not seen in fit (rows of sample_weight 0 "
            "do not count). Use handle_unknown='embed' to give them the trained unknown vector."
        )


def transform_host(encoder, table, vocabularies: list, separators: dict) -> np.ndarray:
    """``encoder``'s output for host ``table``, columns in X's order (see ``_layout``).

    ``vocabularies[i]`` is the fitted vocabulary of categorical column ``i`` and
    ``separators`` the split strings of bag columns (by position in X).

    Returns
    -------
    out : ndarray of shape (table.n_rows, n_features_out), dtype ``encoder.dtype``
    """
    n = table.n_rows
    dtype = np.dtype(encoder.dtype)
    layout = encoder_layout(encoder)
    out = np.empty((n, layout.n_features), dtype=dtype)
    blocks = [
        _column_rows(encoder, table, i, j, vocabularies[i], separators)
        for i, j in enumerate(encoder.categorical_columns_)
    ]
    # gather in blocks of rows: temporaries stay small and are reused, instead of
    # one freshly allocated (page-faulting) array per column as large as the output
    for begin in range(0, n, TRANSFORM_CHUNK):
        end = min(begin + TRANSFORM_CHUNK, n)
        for embedding, rows, (start, stop) in zip(encoder.embeddings_, blocks, layout.blocks()):
            if rows.ndim == 2:  # a bag column's vectors
                out[begin:end, start:stop] = rows[begin:end]
            else:
                out[begin:end, start:stop] = np.take(embedding, rows[begin:end], 0)
    if len(layout.continuous):
        out[:, layout.continuous] = continuous_block(encoder, table, dtype)
    return out


def continuous_block(encoder, table, dtype: np.dtype):
    """The continuous output columns of ``table`` under ``encoder``'s fitted scaling."""
    return continuous_output(
        table,
        encoder.continuous_columns_,
        encoder.continuous_mean_,
        encoder.continuous_scale_,
        encoder.continuous,
        dtype,
    )


def _column_rows(encoder, table, i: int, j: int, vocabulary, separators: dict) -> np.ndarray:
    """Table row of each row of X for single column ``j``; its vectors for a bag column."""
    is_bag = j in getattr(encoder, "bag_columns_", ())
    if is_bag:
        token_rows, codes, uniques = table.bag(j, separators.get(j))
    else:
        codes, uniques = table.factorize(j)
    rows, unseen = vocabulary.encode(codes, uniques)
    check_unseen(table, j, unseen, encoder.handle_unknown)
    if not is_bag:
        return rows
    return bag_vectors(
        encoder.embeddings_[i],
        token_rows,
        rows,
        table.n_rows,
        encoder.bag_mode,
        vocabulary.missing_row,
    )
