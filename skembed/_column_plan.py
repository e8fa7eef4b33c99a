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

from ._files import vector_table
from ._validation import caller_stacklevel

__all__ = ["ColumnPlan", "auto_embedding_dim", "embedding_width", "plan_columns"]


def auto_embedding_dim(n_categories: int) -> int:
    """The ``embedding_dim="auto"`` rule: ``round(0.8 * n ** 0.56)``, at least 2.

    ``n`` is the number of kept categories of the column. This is half of
    fastai's rule of thumb ``1.6 * n ** 0.56``: the narrower vectors were part
    of the configuration that won the tuning of ``benchmarks/studies/tune_defaults.py``
    (validation splits of three datasets), mostly through k-NN and random
    forests. The encoder caps the rule at ``max_embedding_dim`` (16 by
    default, reached at 199 categories).

    Examples
    --------
    >>> from skembed import auto_embedding_dim
    >>> [auto_embedding_dim(n) for n in (2, 10, 100, 1000)]
    [2, 3, 11, 38]
    """
    return max(2, int(round(0.8 * max(n_categories, 1) ** 0.56)))


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
    """

    categorical: np.ndarray
    continuous: np.ndarray
    separators: dict
    hash_buckets: list
    pretrained: dict
    frozen: frozenset
    shared: tuple = ()

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
    shared = shared_groups(encoder, table, categorical, separators, buckets)
    pretrained, frozen = share_pretrained(shared, pretrained, frozen)
    return ColumnPlan(
        categorical=categorical,
        continuous=np.flatnonzero(~is_categorical),
        separators=separators,
        hash_buckets=buckets,
        pretrained=pretrained,
        frozen=frozen,
        shared=shared,
    )


def shared_groups(encoder, table, categorical, separators, buckets) -> tuple:
    """``shared_embeddings`` as groups of categorical positions, checked.

    Each group is two or more categorical columns, all single or all list-valued, each
    in one group only, with the same ``hash_buckets`` and at most one pretrained table (the
    group's: :func:`share_pretrained` gives it to every column of the group).
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
        elif len(set(group) & pretrained_keys(encoder, table, categorical)) > 1:
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


def pretrained_keys(encoder, table, categorical) -> set:
    """Categorical positions that ``pretrained_embeddings`` names."""
    return {
        categorical_key(table, categorical, key, "pretrained_embeddings")
        for key in encoder.pretrained_embeddings or {}
    }


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


def check_width_keys(rule, table, categorical: np.ndarray) -> None:
    """Raise if an ``embedding_dim`` dict names a column that is not embedded."""
    if not isinstance(rule, dict):
        return
    for key in rule:
        if table.columns is not None and key in table.columns:
            j = table.columns.index(key)
        elif table.columns is None and isinstance(key, numbers.Integral):
            j = int(key)
        else:
            continue  # not a column of X: embedding_width names it
        if j not in categorical:
            raise ValueError(
                f"embedding_dim names column {table.column_label(j)}, which is continuous, so "
                "the width would be ignored; drop the entry, or list the column in "
                "categorical_features to embed it."
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


def embedding_width(rule, max_dim: int, table, j: int, n_categories: int, pretrained=None) -> int:
    """Width of column ``j``'s table under ``embedding_dim=rule`` (a pretrained table's own)."""
    if pretrained is not None:
        width = pretrained[1].shape[1]
        key = table.columns[j] if table.columns is not None else j
        if isinstance(rule, dict) and key in rule and rule[key] != width:
            raise ValueError(
                f"embedding_dim[{key!r}] is {rule[key]!r}, but the pretrained table of "
                f"column {table.column_label(j)} has {width} dimensions; drop the "
                "embedding_dim entry (the width comes from the table)."
            )
        return int(width)
    if isinstance(rule, dict):
        key = table.columns[j] if table.columns is not None else j
        unknown = [k for k in rule if k not in (table.columns or range(table.n_columns))]
        if unknown:
            raise ValueError(f"embedding_dim has entries for columns {unknown} that are not in X.")
        if key not in rule:
            return min(auto_embedding_dim(n_categories), max_dim)
        dim = rule[key]
        if not isinstance(dim, numbers.Integral) or isinstance(dim, bool) or dim < 1:
            raise ValueError(f"embedding_dim[{key!r}] must be a positive int, got {dim!r}.")
        return int(dim)
    if isinstance(rule, str):
        return min(auto_embedding_dim(n_categories), max_dim)
    if callable(rule):
        dim = rule(n_categories)
        if not isinstance(dim, numbers.Integral) or isinstance(dim, bool) or dim < 1:
            raise ValueError(
                f"embedding_dim callable returned {dim!r} for column "
                f"{table.column_label(j)} with {n_categories} categories; expected a "
                "positive int."
            )
        return min(int(dim), max_dim)
    return int(rule)
