"""Shrinkage of rare categories' vectors: how hard training pulls each table row to zero.

``shrinkage`` adds to each training row's loss, for each of its single columns,
``shrinkage * m_k / n_c * ||e_c||^2``: ``e_c`` the vector of the row's category ``c``,
``n_c`` the category's (weighted) number of rows, ``m_k`` the column's ratio of the
target's within-category variance to its between-category variance. Summed over an
epoch, each category pays ``shrinkage * m_k * ||e_c||^2`` once, whatever its count: a
Gaussian prior on its vector, which a category seen often outweighs with its data and a
rare one does not. ``m_k`` is the pseudo-count of empirical-Bayes target encoding (what
``TargetEncoder(smooth="auto")`` estimates per category), so a column whose categories
tell the target apart (an institution's earnings) is barely shrunk, and one whose rare
categories are mostly noise (a household's few purchases) is shrunk hard. The test
splits never trained on these rows' vectors; the training rows' vectors did, which is
what trees downstream memorise. Chosen on the 14-dataset suite
(``docs/user_guide/training.md``).
"""

from __future__ import annotations

from collections.abc import Sequence

import torch
from torch import Tensor

__all__ = ["noise_ratio", "row_penalties"]


def noise_ratio(codes: Tensor, size: int, target: Tensor, weight: Tensor, task: str) -> float:
    """The target's pooled within-category variance over its between-category variance.

    Parameters
    ----------
    codes : Tensor
        ``(n,)`` int64, each row's table row.
    size : int
        Rows of the table.
    target : Tensor
        ``(n,)`` int64 class index for ``"multiclass"``, else ``(n, n_outputs)`` float.
    weight : Tensor
        ``(n,)`` sample weights, mean 1.
    task : {"binary", "multiclass", "continuous"}

    Returns
    -------
    float
        ``within / between``, with ``within`` the weighted sum of squares about each
        category's mean over the degrees of freedom left (rows minus categories) and
        ``between`` the total variance minus ``within`` (at least a thousandth of the
        total). With no degrees of freedom (every category seen once) the variance
        between categories cannot be told from noise: ``within`` is then the total,
        and the ratio 1,000. 0 for a constant target.
    """
    weight = weight.to(torch.float64)
    counts = torch.bincount(codes, weights=weight, minlength=size)
    n, k = float(weight.sum()), int((counts > 0).sum())  # categories with weight
    if task == "multiclass":
        n_classes = int(target.max()) + 1
        pairs, inverse = torch.unique(codes * n_classes + target, return_inverse=True)
        in_pair = torch.bincount(inverse, weights=weight)
        within_ss = float(
            (in_pair - in_pair**2 / counts[pairs // n_classes].clamp_min(1e-12)).sum()
        )
        share = torch.bincount(target, weights=weight, minlength=n_classes) / n
        total = float((share * (1 - share)).sum())
    else:
        values = target.to(torch.float64).reshape(len(codes), -1)
        within_ss, total = 0.0, 0.0
        for j in range(values.shape[1]):
            y = values[:, j]
            sums = torch.bincount(codes, weights=weight * y, minlength=size)
            squares = torch.bincount(codes, weights=weight * y * y, minlength=size)
            within_ss += float((squares - sums**2 / counts.clamp_min(1e-12)).sum())
            mean = float((weight * y).sum()) / n
            total += float((weight * (y - mean) ** 2).sum()) / n
    if total <= 0:
        return 0.0
    dof = n - k
    within = min(max(within_ss, 0.0) / dof, total) if dof >= 1 else total
    return within / max(total - within, 1e-3 * total)


def row_penalties(
    rows: Tensor,
    target: Tensor,
    weight: Tensor,
    task: str,
    table_sizes: Sequence[int],
    bag_modes: Sequence[str | None],
    shrinkage: float,
) -> list[Tensor | None]:
    """Per column, the penalty of each table row per appearance (None for bag columns).

    ``shrinkage * m_k / n_c`` for row ``c`` of single column ``k`` (see the module's
    docstring); ``rows`` holds the single columns' codes, in column order. A row no value
    falls on (the unknown row, a missing row without missing values, an empty hash
    bucket) counts as seen once: it stands for categories with no rows, whose best guess
    under the prior is zero (as ``TargetEncoder`` encodes an unknown category by the
    prior, the target's mean), so each of ``unknown_rate``'s substitutions pulls it there.

    Shape
    -----
    - rows: ``(n, n_single)``, int64.
    - returns: per column, ``(table_sizes[k],)`` float32 on ``rows``' device, or None.
    """
    target, weight = target.to(rows.device), weight.to(device=rows.device, dtype=torch.float64)
    weight = weight / weight.mean().clamp_min(1e-12)
    penalties: list[Tensor | None] = []
    single = 0
    for size, mode in zip(table_sizes, bag_modes):
        if mode is not None:
            penalties.append(None)
            continue
        codes = rows[:, single]
        single += 1
        ratio = noise_ratio(codes, size, target, weight, task)
        counts = torch.bincount(codes, weights=weight, minlength=size).clamp_min(1.0)
        penalties.append((shrinkage * ratio / counts).to(torch.float32))
    return penalties
