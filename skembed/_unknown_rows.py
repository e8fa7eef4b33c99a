"""Unknown-row dropout: values replaced at random by their column's unknown row.

With probability ``unknown_rate`` each value of a training row is replaced by
its *replacement* row (by default its column's unknown row), so that row is
trained even when no category was pooled into it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch
from torch import Tensor

__all__ = ["UnknownRowDropout", "default_replacements"]


def default_replacements(
    table_sizes: Sequence[int], bag_modes: Sequence[str | None]
) -> list[np.ndarray]:
    """Per column, every row's replacement: the unknown row ``table_sizes[k] - 2``.

    A bag column's array has one more entry, for its padding row, which stays
    padding.
    """
    replacements = [
        np.full(size + (mode is not None), size - 2, dtype=np.int64)
        for size, mode in zip(table_sizes, bag_modes)
    ]
    for size, mode, replacement in zip(table_sizes, bag_modes, replacements):
        if mode is not None:
            replacement[size] = size
    return replacements


class UnknownRowDropout:
    """Replace each value, with probability ``rate``, by its replacement row.

    Parameters
    ----------
    rate : float
        Probability that a value is replaced.
    replacements : list of ndarray
        Per column (all columns, in order), the replacement of each table
        row, int64; a bag column's includes its padding row.
    bag_modes : sequence of {None, "mean", "sum"}
        Per column: None for a single column.
    device : torch.device
        Where the batches are.
    """

    def __init__(
        self,
        rate: float,
        replacements: Sequence[np.ndarray],
        bag_modes: Sequence[str | None],
        device: torch.device,
    ) -> None:
        self.rate = rate
        single = [k for k, mode in enumerate(bag_modes) if mode is None]
        # one flat lookup for the single columns: column c's rows start at offsets[c]
        single_replacements = [replacements[k] for k in single]
        offsets = np.concatenate([[0], np.cumsum([len(r) for r in single_replacements])[:-1]])
        self.flat_replacement = torch.as_tensor(
            np.concatenate(single_replacements) if single else np.empty(0, np.int64),
            device=device,
        )
        self.column_offsets = torch.as_tensor(
            offsets[: len(single)], dtype=torch.int64, device=device
        )
        self.bag_replacements = [
            torch.as_tensor(replacements[k], device=device)
            for k, mode in enumerate(bag_modes)
            if mode is not None
        ]

    def __call__(
        self, rows: Tensor, bags: Sequence[Tensor], generator: torch.Generator | None = None
    ) -> tuple[Tensor, list[Tensor]]:
        """``rows`` and ``bags`` with values replaced; draws from ``generator``.

        The draws are one uniform per value of ``rows``, then one per value of
        each bag, in that order.

        Shape
        -----
        - rows: ``(n, n_single)``, int64 table rows of the single columns.
        - bags: one :class:`~skembed._bags.BagRows` per bag column.
        - output: the same shapes.
        """
        drop = torch.rand(rows.shape, device=rows.device, generator=generator) < self.rate
        substitute = self.flat_replacement[rows + self.column_offsets]
        rows = torch.where(drop, substitute, rows)
        bags = list(bags)
        for k, bag in enumerate(bags):  # one draw per token
            tokens = bag.values
            drop = torch.rand(tokens.shape, device=tokens.device, generator=generator) < self.rate
            bags[k] = bag.with_values(torch.where(drop, self.bag_replacements[k][tokens], tokens))
        return rows, bags
