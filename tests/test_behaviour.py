"""The layered package reproduces the tables and transforms frozen before the split."""

import numpy as np
import pytest
from behaviour_cases import FIXTURE, arrays

pytest.importorskip("dask.dataframe")


@pytest.fixture(scope="module")
def frozen():
    with np.load(FIXTURE) as data:
        return dict(data)


@pytest.fixture(scope="module")
def today():
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # the fixture was written with one thread; threads change sums
    try:
        return arrays()
    finally:
        torch.set_num_threads(threads)


def test_same_arrays_as_before_the_split(frozen, today):
    """Every case yields the same tables and outputs (another CPU's float32 rounding allowed)."""
    assert sorted(today) == sorted(frozen)
    for key, expected in frozen.items():
        np.testing.assert_allclose(today[key], expected, rtol=1e-3, atol=1e-3, err_msg=key)


def test_bitwise_on_one_thread(frozen, today):
    """With one torch thread on the machine that wrote the fixture, every array is identical."""
    import os

    if os.environ.get("SKEMBED_BITWISE") != "1":
        pytest.skip("set SKEMBED_BITWISE=1 on the machine that wrote the fixture")
    for key, expected in frozen.items():
        np.testing.assert_array_equal(today[key], expected, err_msg=key)
