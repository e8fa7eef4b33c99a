"""The network settings, the column shapes timed, and their batches."""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

HIDDEN = (128, 64)
DROPOUT = 0.1
EMBEDDING_DROPOUT = 0.1
LEARNING_RATE = 3e-3
ALPHA = 1e-3  # the encoder's weight decay on the MLP (not on the tables)
N_POOL = 8  # distinct batches cycled through


def _criteo_like_sizes() -> list[int]:
    sizes = np.geomspace(10, 1_000_000, 26).round().astype(int)
    return [int(s) for s in np.random.default_rng(0).permutation(sizes)]


SHAPES = {
    "lab": {"table_sizes": [3305, 16, 63, 92], "dims": [7, 3, 3, 3], "n_continuous": 1},
    "many_small": {"table_sizes": [100] * 26, "dims": [16] * 26, "n_continuous": 13},
    "criteo_like": {"table_sizes": _criteo_like_sizes(), "dims": [16] * 26, "n_continuous": 13},
}


def make_batches(
    shape: dict, batch_size: int, codes: str, device: torch.device, seed: int
) -> list[tuple[Tensor, ...]]:
    rng = np.random.default_rng(seed)
    n = batch_size * N_POOL
    columns = []
    for size in shape["table_sizes"]:
        if codes == "uniform":
            columns.append(rng.integers(0, size, n))
        else:  # Zipf-like: frequency of rank r proportional to 1 / (r + 1) ** 1.1, ranks shuffled
            p = 1.0 / np.arange(1, size + 1) ** 1.1
            ranks = rng.choice(size, size=n, p=p / p.sum())
            columns.append(rng.permutation(size)[ranks])
    all_codes = torch.as_tensor(np.stack(columns, axis=1), dtype=torch.int64)
    cont = torch.as_tensor(rng.standard_normal((n, shape["n_continuous"])), dtype=torch.float32)
    target = torch.as_tensor(rng.integers(0, 2, (n, 1)), dtype=torch.float32)
    weight = torch.ones(n, dtype=torch.float32)
    tensors = (all_codes, cont, target, weight)
    return [
        tuple(t[k * batch_size : (k + 1) * batch_size].to(device) for t in tensors)
        for k in range(N_POOL)
    ]
