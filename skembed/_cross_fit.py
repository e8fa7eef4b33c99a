"""Cross-fitting (``cv``): each training row encoded by a model that did not see it.

Two ways (``cross_fit``):

* ``"tables"``: one fit whose tables hold a copy of their rows per fold
  (:mod:`skembed._fold_rows`); the folds are drawn before the fit (:func:`fold_assignment`)
  and each training row's out-of-fold vectors come out of it.
* ``"refit"``: the full model plus one model per fold (:func:`cross_fit`); each fold's
  tables are moved into the full model's coordinates by weighted orthogonal Procrustes on
  the categories both know, so the downstream model sees one geometry.
"""

from __future__ import annotations

import numbers
import warnings

import numpy as np

from ._alignment import procrustes_onto
from ._encode import encode
from ._fold_rows import fold_ids
from ._layout import encoder_layout
from ._stats import seed_from
from ._tables import as_1d, as_table, take_rows
from ._validation import all_or_nothing

__all__ = ["aligned_table", "cross_fit", "encode_training_rows", "fold_assignment"]


def pop_groups(encoder, fit_params: dict):
    """``groups`` out of ``fit_transform``'s parameters; an error if no ``cv`` uses it."""
    groups = fit_params.pop("groups", None)
    if groups is not None and encoder.cv is None:
        raise ValueError(
            "groups was passed to fit_transform, but cv is None, so no splitter uses it; "
            "pass cv=GroupKFold(...) to cross-fit by group, or leave groups out."
        )
    return None if groups is None else as_1d(groups)


def metadata_routing(encoder):
    """Get the metadata routing of this encoder (``get_metadata_routing``).

    ``sample_weight`` goes to ``fit`` as requested with ``set_fit_request``; under
    ``fit_transform``, the splitter of ``cv`` receives what its ``split`` requests
    (``groups`` for ``GroupKFold``), as scikit-learn's ``TargetEncoder`` routes it.

    Returns
    -------
    routing : MetadataRouter
    """
    from sklearn.utils.metadata_routing import MetadataRouter, MethodMapping

    router = MetadataRouter(owner=encoder).add_self_request(encoder)
    if encoder.cv is not None and not isinstance(encoder.cv, numbers.Integral):
        router.add(
            splitter=encoder.cv,
            method_mapping=MethodMapping().add(caller="fit_transform", callee="split"),
        )
    return router


def fold_assignment(encoder, y, groups=None, partial=False, sample_weight=None):
    """Each row's fold and the number of folds, for ``cross_fit="tables"``; else None.

    None without ``cv``, without ``y`` (``fit(X)``), for ``partial_fit``, for a fit that
    continues an earlier one (``warm_start``) and for a target the fit will refuse (it
    raises its own error). An int ``cv`` larger than the number of rows gives one fold per
    row. The folds are those of :func:`fold_splitter`, which must partition the rows; an
    int ``cv`` splits the rows of nonzero weight only, so that rows of weight 0 are as if
    absent (their fold is never read).
    """
    if encoder.cv is None or encoder.cross_fit != "tables" or y is None or partial:
        return None
    if encoder.warm_start and hasattr(encoder, "embeddings_"):
        return None
    y = as_1d(y)
    try:
        with warnings.catch_warnings():  # the fit detects the type again and warns then
            warnings.simplefilter("ignore")
            classifier = _classifier(encoder, y, fitted=False)
        if classifier and y.ndim == 1:  # stratify on class codes, whatever the labels
            y = np.unique(y, return_inverse=True)[1]
    except (TypeError, ValueError):  # a bad y: the fit says what is wrong with it
        return None
    n, rows = len(y), None
    if isinstance(encoder.cv, numbers.Integral):
        if sample_weight is not None and not np.isscalar(sample_weight):
            weight = as_1d(sample_weight)
            if len(weight) == n and (weight == 0).any():
                rows = np.flatnonzero(weight)
                y = y[rows]
                groups = None if groups is None else as_1d(groups)[rows]
        if len(y) < 2:
            return None
    n_splits = min(encoder.cv, len(y)) if isinstance(encoder.cv, numbers.Integral) else None
    splitter = fold_splitter(encoder, y, classifier, n_splits)
    try:
        splits = list(splitter.split(np.zeros((len(y), 1)), y, groups))
    except ValueError as error:
        if groups is None and "groups" in str(error):
            raise ValueError(
                f"cv={encoder.cv!r} splits by groups, but fit received none: cross_fit="
                "'tables' draws the folds in fit. Call fit_transform(X, y, groups=groups), "
                "or use a splitter without groups."
            ) from error
        raise
    check_partition(splits, len(y), encoder.cv)
    folds = fold_ids(splits, len(y))
    if rows is not None:  # the rows of weight 0 are dropped before training
        folds = np.zeros(n, dtype=np.int64)
        folds[rows] = fold_ids(splits, len(rows))
    return folds, len(splits)


def encode_training_rows(encoder, X, y, sample_weight, groups):
    """``fit_transform``'s output for the rows ``encoder`` was just fitted on.

    In sample without ``cv`` (or ``y``); otherwise each row by a model that did not see
    it. If cross-fitting raises, the fitted state stays as it was.
    """
    held = vars(encoder).pop("_out_of_fold", None)  # never kept, even if encode raises
    out = encode(encoder, X)
    if held is not None:
        _write_out_of_fold(encoder, out, held)
    elif (
        encoder.cv is not None
        and encoder.cross_fit == "refit"
        and y is not None
        and len(encoder.categorical_columns_)
    ):
        all_or_nothing(encoder, cross_fit, encoder, X, y, sample_weight, out, groups)
    return out


def _write_out_of_fold(encoder, out, held) -> None:
    """Overwrite the crossed columns' blocks of the trained rows with their out-of-fold
    vectors (:class:`~skembed._fold_rows.OutOfFold`)."""
    blocks = encoder_layout(encoder).blocks()
    rows = _rows_of(out, held.rows)
    for i, vectors in held.vectors.items():
        start, stop = blocks[i]
        if isinstance(out, np.ndarray):
            out[rows, start:stop] = vectors.astype(out.dtype, copy=False)
        else:
            import torch

            out[rows, start:stop] = torch.as_tensor(vectors, dtype=out.dtype, device=out.device)


def _rows_of(out, rows: np.ndarray):
    """``rows`` as an index of ``out``: NumPy, or a tensor on the device of an output
    tensor."""
    if isinstance(out, np.ndarray):
        return rows
    from ._device_math import index_rows

    return index_rows(out, rows)


def _classifier(encoder, y, fitted: bool = True) -> bool:
    """Whether ``cv``'s folds are stratified by class: the fitted target type (``fitted``,
    after the fit), or the one ``target_type`` gives or ``y`` shows (before it, so that an
    earlier fit of the encoder does not matter)."""
    kind = getattr(encoder, "target_type_", None) if fitted else None
    if kind is None:
        from ._target import detect_target_type

        kind = detect_target_type(y, encoder.target_type)
    return kind in ("binary", "multiclass")


def cross_fit(encoder, X, y, sample_weight, out, groups=None) -> None:
    """Overwrite the embedding blocks of ``out`` (the in-sample output) out of fold.

    ``encoder`` is fitted on all rows; every fold refits a clone with the same widths and
    batch size.
    """
    y = as_1d(y)
    splits = list(fold_splitter(encoder, y).split(np.zeros((len(y), 1)), y, groups))
    check_partition(splits, len(y), encoder.cv)
    columns = as_table(X).columns  # the labels the fold encoders resolve keys by
    keys = [int(j) if columns is None else columns[j] for j in encoder.categorical_columns_]
    params = encoder.get_params(deep=False)  # not clone(): a generator cv cannot be copied
    params.update(cv=None, embedding_dim=dict(zip(keys, encoder.embedding_dims_)))
    if encoder.batch_size == "auto" and encoder.batch_size_:  # the full model's steps, not
        params.update(batch_size=int(encoder.batch_size_))  # a size resolved on fewer rows
    if encoder.target_type_ in ("binary", "multiclass", "continuous"):  # as the full model,
        params.update(target_type=encoder.target_type_)  # not re-detected on a fold
    blocks = encoder_layout(encoder).blocks()
    for train_idx, test_idx in splits:
        fold = type(encoder)(**params)
        weight = None if sample_weight is None else as_1d(sample_weight)[train_idx]
        fold.fit(take_rows(X, train_idx), y[train_idx], sample_weight=weight)
        for i in range(len(encoder.categories_)):
            fold.embeddings_[i] = aligned_table(fold, encoder, i)
        held_out = encode(fold, take_rows(X, test_idx))
        test_idx = _rows_of(out, test_idx)
        for start, stop in blocks:  # continuous columns do not depend on the fit
            out[test_idx, start:stop] = held_out[:, start:stop]


def fold_splitter(encoder, y, classifier: bool | None = None, n_splits: int | None = None):
    """The splitter of ``cv``: an int gives shuffled folds (stratified for classes, unless
    no class has a row per fold); ``n_splits`` replaces the int (fewer rows than folds).

    Shuffled, as ``TargetEncoder``'s: rows stored in order (all rows of one id
    together, or by date) would otherwise put each id in a fold of its own, and its
    out-of-fold vector would say nothing of it. The shuffle is seeded by
    ``random_state``.
    """
    from sklearn.model_selection import KFold, StratifiedKFold, check_cv

    if classifier is None:
        classifier = _classifier(encoder, y)
    if isinstance(encoder.cv, numbers.Integral):
        n_splits = int(encoder.cv if n_splits is None else n_splits)
        stratify = classifier and y.ndim == 1
        if stratify:  # a class as large as the folds, or stratifying is impossible
            stratify = np.unique(y, return_counts=True)[1].max() >= n_splits
        kind = StratifiedKFold if stratify else KFold
        seed = seed_from(encoder.random_state) % 2**32
        return kind(n_splits, shuffle=True, random_state=seed)
    return check_cv(encoder.cv, y, classifier=classifier)  # a generator becomes a list


def check_partition(splits: list, n: int, cv) -> None:
    """Raise unless the test folds of ``splits`` hold every row exactly once.

    Otherwise some rows would keep their in-sample vectors (``TimeSeriesSplit`` never
    tests its first rows) or be overwritten twice, silently, as ``cross_val_predict``
    refuses too.
    """
    if not splits:
        raise ValueError(
            f"cv={cv!r} gave no splits: an iterator of splits is used up by the first fit "
            "that reads it. Pass a splitter (KFold(5), GroupKFold(5)) or a list of "
            "(train, test) pairs, which every fit can read again."
        )
    seen = np.zeros(n, dtype=np.int64)
    for _, test_idx in splits:
        seen[np.asarray(test_idx)] += 1
    if not (seen == 1).all():
        missing, repeated = int((seen == 0).sum()), int((seen > 1).sum())
        raise ValueError(
            f"cv={cv!r} does not partition the rows: {missing} rows are in no test fold and "
            f"{repeated} in several, so fit_transform cannot encode every row out of fold. "
            "Use a splitter whose test folds cover each row once (KFold, StratifiedKFold, "
            "GroupKFold), or cv=None."
        )


def aligned_table(fold, full, i: int) -> np.ndarray:
    """Fold ``i``-th table moved into the full model's coordinates (weighted by the
    fold's counts; see :func:`skembed._alignment.procrustes_onto`)."""
    return procrustes_onto(
        fold.embeddings_[i], fold.categories_[i], fold.category_counts_[i],
        full.embeddings_[i], full.categories_[i],
    ).table  # fmt: skip
