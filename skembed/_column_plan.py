"""The column plan: every per-column parameter of the encoder resolved once against X.

``categorical_features``, ``separator``, ``hash_buckets``, ``pretrained_embeddings``,
``freeze_pretrained`` and ``embedding_dim`` may name columns by label, by index or (for
arrays) as ``"x<j>"``. :func:`plan_columns` turns them into positions, checks them and
returns a frozen :class:`ColumnPlan` that the in-memory, device and Dask fits share, so
that each rule and each error message exists once.
"""

from __future__ import annotations

import numbers
import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ._files import vector_table
from ._validation import caller_stacklevel
from ._values import is_missing
from ._widths import check_width_keys

__all__ = ["ColumnPlan", "plan_columns"]


@dataclass(frozen=True)
class ColumnPlan:
    """What the encoder does with each column of X, resolved from its parameters.

    Attributes
    ----------
    categorical : ndarray of int
        Positions in X of the embedded columns, in X's order.
    continuous : ndarray of int
        Positions in X of the other columns.
    separators : dict of {int: str}
        Position in X -> separator of the string columns split into bags.
    hash_buckets : list of int
        Number of hash buckets of each categorical column (by categorical position).
    pretrained : dict of {int: (ndarray, ndarray)}
        Categorical position -> (labels, matrix) of its pretrained table.
    frozen : frozenset of int
        Categorical positions whose pretrained rows stay fixed.
    shared : tuple of tuple of int
        Categorical positions of each group of ``shared_embeddings``, in X's order.
    categories : dict of {int: ndarray}
        Categorical position -> the categories ``categories`` gives it.
    """

    categorical: np.ndarray
    continuous: np.ndarray
    separators: dict
    hash_buckets: list
    pretrained: dict
    frozen: frozenset
    shared: tuple = ()
    categories: dict = None

    def shares(self) -> list:
        """Per categorical position, the group's first column it reads the table of, or
        None (a table of its own)."""
        owner = [None] * len(self.categorical)
        for group in self.shared:
            for i in group[1:]:
                owner[i] = group[0]
        return owner


def plan_columns(encoder, table, *, with_pretrained: bool = True) -> ColumnPlan:
    """Resolve ``encoder``'s per-column parameters against ``table`` (a view of X)."""
    is_categorical = categorical_mask(encoder.categorical_features, table)
    categorical = np.flatnonzero(is_categorical)
    if isinstance(encoder.categorical_features, str) and table.columns is not None:
        warn_integer_ids(table, np.flatnonzero(~is_categorical))
    separators = separators_by_column(encoder.separator, table, categorical)
    pretrained, frozen = {}, frozenset()
    if with_pretrained:
        pretrained, frozen = pretrained_tables(
            encoder.pretrained_embeddings, encoder.freeze_pretrained, table, categorical
        )
    check_width_keys(encoder.embedding_dim, table, categorical)
    buckets = hash_buckets_per_column(encoder.hash_buckets, table, categorical)
    shared = shared_groups(encoder, table, categorical, separators, buckets, pretrained)
    pretrained, frozen = share_pretrained(shared, pretrained, frozen)
    given = given_categories(encoder.categories, table, categorical, shared)
    return ColumnPlan(
        categorical=categorical,
        continuous=np.flatnonzero(~is_categorical),
        separators=separators,
        hash_buckets=buckets,
        pretrained=pretrained,
        frozen=frozen,
        shared=shared,
        categories=given,
    )


def given_categories(spec, table, categorical: np.ndarray, shared) -> dict:
    """``categories`` as ``{categorical position: distinct values}``, checked.

    ``spec`` is ``"auto"``, a list with one array-like per categorical column (in X's
    order, as ``OneHotEncoder(categories=...)``), or a ``{column: values}`` dict.
    """
    if isinstance(spec, str):
        return {}
    if isinstance(spec, dict):
        items = [
            (categorical_key(table, categorical, k, "categories"), v) for k, v in spec.items()
        ]
    elif len(spec) != len(categorical):
        raise ValueError(
            f"categories has {len(spec)} entries but X has {len(categorical)} categorical "
            "columns; give one list of categories per categorical column, in X's order, or "
            "a {column: categories} dict."
        )
    else:
        items = list(enumerate(spec))
    in_groups = {i for group in shared for i in group}
    given = {}
    for i, values in items:
        if values is None or (isinstance(values, str) and values == "auto"):
            continue
        values = np.asarray(values, dtype=object if isinstance(values, list) else None)
        name = table.column_label(categorical[i])
        if values.ndim != 1 or len(pd.unique(values)) != len(values) or is_missing(values).any():
            raise ValueError(
                f"categories of column {name} must be distinct, non-missing values in a "
                f"1-D list; got {values.tolist()[:10]!r}."
            )
        if i in in_groups:
            raise ValueError(
                f"categories names column {name}, which is in a shared_embeddings group "
                "(its categories come from every column of the group); drop one of the two."
            )
        given[i] = values
    return given


def shared_groups(encoder, table, categorical, separators, buckets, pretrained) -> tuple:
    """``shared_embeddings`` as groups of categorical positions, checked.

    Each group is two or more categorical columns, all single or all list-valued, each
    in one group only, with the same ``hash_buckets`` and at most one pretrained table (the
    group's: :func:`share_pretrained` gives it to every column of the group).
    ``pretrained``: the resolved pretrained tables, by categorical position.
    """
    groups, seen = [], set()
    for spec in encoder.shared_embeddings or []:
        if isinstance(spec, (str, bytes)) or len(spec) < 2:
            raise ValueError(
                f"shared_embeddings takes lists of two or more columns, such as "
                f"[['origin', 'dest']]; got the entry {spec!r}."
            )
        group = sorted({categorical_key(table, categorical, k, "shared_embeddings") for k in spec})
        names = [table.column_label(categorical[i]) for i in group]
        problem = None
        if len(group) < len(spec) or seen & set(group):
            problem = "lists a column twice (a column shares one table)"
        elif len({categorical[i] in separators or table.is_list(categorical[i])
                  for i in group}) > 1:  # fmt: skip
            problem = "mixes list-valued and single columns (one table reads one kind)"
        elif len({buckets[i] for i in group}) > 1:
            problem = "gives its columns different hash_buckets"
        elif table.on_device and any(categorical[i] in separators for i in group):
            problem = "has list-valued columns of data on a device"
        elif len(set(group) & set(pretrained)) > 1:
            problem = "has pretrained_embeddings for several of its columns (give one)"
        if problem is not None:
            raise ValueError(
                f"shared_embeddings group {names} {problem}. One table serves the whole "
                "group: give its columns the same settings, or leave a column out."
            )
        seen |= set(group)
        groups.append(tuple(group))
    return tuple(groups)


def share_pretrained(groups, pretrained: dict, frozen: frozenset) -> tuple[dict, frozenset]:
    """A group's pretrained table (and freezing) for every column of the group."""
    pretrained, frozen = dict(pretrained), set(frozen)
    for group in groups:
        for i in group:
            if i in pretrained:
                pretrained.update(dict.fromkeys(group, pretrained[i]))
                if i in frozen:
                    frozen.update(group)
    return pretrained, frozenset(frozen)


ID_LIKE_DISTINCT = 1000  # an "auto"-continuous integer column with this many values, each
# seen twice or more on average (ids recur; a measured quantity such as a census weight is
# mostly unique), warns


def warn_integer_ids(table, continuous: np.ndarray) -> None:
    """Warn about integer columns of a frame with many distinct values left continuous.

    Under ``categorical_features="auto"`` a frame's integer columns are numbers; an
    id stored as integers (a user or product id) then becomes one continuous column,
    silently. Such a column has thousands of distinct values that recur (at most one
    distinct value per two rows). Checking costs a sort of each integer column; device
    tables are skipped.
    """
    is_integer = getattr(table, "is_integer", None)
    if is_integer is None:
        return
    for j in continuous:
        if not is_integer(j):
            continue
        values = table.continuous(j)
        values = values[~np.isnan(values)]
        n_distinct = len(np.unique(values))
        if n_distinct >= ID_LIKE_DISTINCT and 2 * n_distinct <= len(values):
            warnings.warn(
                f"Column {table.column_label(j)} holds {n_distinct:,} distinct integers and "
                "is treated as continuous (categorical_features='auto' embeds string, "
                "category and bool columns of a frame). If it is an id, list it in "
                "categorical_features; give categorical_features explicitly to silence this.",
                UserWarning,
                stacklevel=caller_stacklevel(),
            )


def categorical_mask(spec, table) -> np.ndarray:
    """Boolean mask of the columns of ``table`` that ``categorical_features`` selects."""
    if isinstance(spec, str):  # "auto"
        return table.auto_categorical()
    spec = list(spec)
    mask = np.zeros(table.n_columns, dtype=bool)
    if len(spec) == 0:
        return mask
    if all(isinstance(v, (bool, np.bool_)) for v in spec):
        if len(spec) != table.n_columns:
            raise ValueError(
                f"categorical_features as a boolean mask must have one entry per "
                f"column: expected {table.n_columns}, got {len(spec)}."
            )
        return np.asarray(spec, dtype=bool)
    if all(isinstance(v, numbers.Integral) for v in spec):
        bad = [v for v in spec if not -table.n_columns <= v < table.n_columns]
        if bad:
            raise ValueError(
                f"categorical_features has indices {bad} out of range for X with "
                f"{table.n_columns} columns."
            )
        mask[np.asarray(spec, dtype=np.int64)] = True
        return mask
    if all(isinstance(v, str) for v in spec):
        if table.columns is None:
            raise ValueError(
                f"categorical_features names columns {spec}, but X has no column "
                "names. Pass a DataFrame, or give integer indices."
            )
        missing = [v for v in spec if v not in table.columns]
        if missing:
            raise ValueError(
                f"categorical_features names columns {missing} that are not in X; "
                f"X has columns {list(table.columns)}."
            )
        mask[[table.columns.index(v) for v in spec]] = True
        return mask
    raise ValueError(
        "categorical_features must be 'auto', or all column names, all integer "
        f"indices, or a boolean mask; got {spec!r}."
    )


def column_index(table, key, what: str) -> int:
    """Position in X of the column ``key`` (a name, an index, or "x<j>" for arrays)."""
    if table.columns is not None and not isinstance(key, bool) and key in table.columns:
        return table.columns.index(key)
    if isinstance(key, numbers.Integral) and not isinstance(key, bool):
        if 0 <= key < table.n_columns:
            return int(key)
    if table.columns is None and isinstance(key, str) and key[1:].isdigit():
        if key[0] == "x" and int(key[1:]) < table.n_columns:
            return int(key[1:])
    known = table.columns if table.columns is not None else list(range(table.n_columns))
    raise ValueError(f"{what} names the column {key!r}, which is not in X; X has {known}.")


def categorical_key(table, categorical: np.ndarray, key, what: str) -> int:
    """Position in ``categorical`` of the column a parameter's key names."""
    j = column_index(table, key, what)
    position = np.flatnonzero(categorical == j)
    if len(position) == 0:
        raise ValueError(
            f"{what} names column {table.column_label(j)}, which is continuous; list it "
            "in categorical_features to embed it."
        )
    return int(position[0])


def hash_buckets_per_column(spec, table, categorical: np.ndarray) -> list[int]:
    """Number of hash buckets of each categorical column."""
    if spec is None or isinstance(spec, numbers.Integral):
        return [int(spec or 0)] * len(categorical)
    buckets = [0] * len(categorical)
    for key, k in spec.items():
        i = categorical_key(table, categorical, key, "hash_buckets")
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 0:
            raise ValueError(f"hash_buckets[{key!r}] must be an int >= 0, got {k!r}.")
        buckets[i] = int(k)
    return buckets


def separators_by_column(spec, table, categorical: np.ndarray) -> dict:
    """``{column index: separator}`` of the columns whose strings are split into bags."""
    separators = {}
    for key, separator in (spec or {}).items():
        i = categorical_key(table, categorical, key, "separator")
        if not isinstance(separator, str) or not separator:
            raise ValueError(
                f"separator[{key!r}] must be a non-empty string such as '|', got {separator!r}."
            )
        separators[int(categorical[i])] = separator
    return separators


def pretrained_tables(specs, freeze, table, categorical: np.ndarray) -> tuple[dict, frozenset]:
    """``{categorical position: (values, matrix)}`` and the positions to freeze."""
    tables = {}
    for key, spec in (specs or {}).items():
        i = categorical_key(table, categorical, key, "pretrained_embeddings")
        tables[i] = vector_table(spec, table.column_label(categorical[i]))
    if isinstance(freeze, (bool, np.bool_)):
        return tables, frozenset(tables) if freeze else frozenset()
    frozen = set()
    for key in freeze:
        i = categorical_key(table, categorical, key, "freeze_pretrained")
        if i not in tables:
            raise ValueError(
                f"freeze_pretrained names column {table.column_label(categorical[i])}, which "
                "has no table in pretrained_embeddings; only pretrained columns can be frozen."
            )
        frozen.add(i)
    return tables, frozenset(frozen)
