"""Ragged bags (values and offsets): memory follows the tokens, rows gather without padding."""

import numpy as np
import pytest

from skembed._bags import BagRows, bag_rows, concat_bag_rows


def _example():
    """Rows [5, 6], [], [7], [8, 9, 10] with the missing row 99."""
    token_rows = np.array([0, 0, 2, 3, 3, 3])
    return bag_rows(token_rows, np.array([5, 6, 7, 8, 9, 10]), 4, missing_row=99)


def test_rows_without_tokens_hold_the_missing_row_and_nothing_is_padded():
    """One value per token (plus one per empty row); a long row costs only its own tokens."""
    bags = _example()
    assert bags.values.tolist() == [5, 6, 99, 7, 8, 9, 10]
    assert bags.offsets.tolist() == [0, 2, 3, 4, 7]
    n, longest = 20_000, 8_000
    token_rows = np.concatenate([np.repeat(np.arange(n), 3), np.full(longest, n)])
    big = bag_rows(token_rows, np.zeros(len(token_rows), np.int64), n + 1, missing_row=1)
    assert big.values.shape == (3 * n + longest,)  # padded, it was (n + 1) * 8,000 cells


def test_take_and_slices_agree_on_numpy_and_torch():
    """Gathering rows in any order and contiguous slices give the same rows on both."""
    torch = pytest.importorskip("torch")
    bags = _example()
    order = np.array([3, 1, 0, 2, 3])
    host = bags.take(order)
    assert host.values.tolist() == [8, 9, 10, 99, 5, 6, 7, 8, 9, 10]
    assert host.offsets.tolist() == [0, 3, 4, 6, 7, 10]
    device = bags.to("cpu")[torch.as_tensor(order)]
    assert device.values.tolist() == host.values.tolist()
    assert device.offsets.tolist() == host.offsets.tolist()
    part = host[1:3]
    assert part.values.tolist() == [99, 5, 6] and part.offsets.tolist() == [0, 1, 3]
    assert len(part) == 2 and part.shape == (2,)
    with pytest.raises(ValueError, match="contiguous"):
        host[::2]


def test_concatenated_partitions_keep_their_rows():
    """Rows of several partitions (a Dask buffer) follow one another, offsets shifted."""
    first = _example()
    second = bag_rows(np.array([1]), np.array([4]), 2, missing_row=99)
    both = concat_bag_rows([first, second])
    assert both.values.tolist() == [5, 6, 99, 7, 8, 9, 10, 99, 4]
    assert both.offsets.tolist() == [0, 2, 3, 4, 7, 8, 9]
    assert isinstance(both, BagRows) and len(both) == 6
