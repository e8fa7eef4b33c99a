"""A stable hash of category values: the same on every machine and Python run."""

from __future__ import annotations

import numpy as np
import pandas as pd


def stable_hash(values: np.ndarray) -> np.ndarray:
    """A uint64 hash of each value that is the same on every machine and run.

    Values are hashed through a canonical text (``1``, ``1.0`` and
    ``np.int64(1)`` agree; other floats by ``repr(float(v))``, so a float32
    hashes the same before and after saving) with pandas' SipHash-2-4 under a
    fixed key -- unlike Python's ``hash``, which is salted per process.
    """
    text = np.array([_canonical_text(v) for v in np.asarray(values).tolist()], dtype=object)
    return pd.util.hash_array(text, categorize=False)


def _canonical_text(value) -> str:
    """One text per value, whatever its container: 99, 99.0 and np.float32(99) agree."""
    if isinstance(value, np.generic):  # NumPy scalars inside object arrays
        value = value.item()
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    return str(value)
