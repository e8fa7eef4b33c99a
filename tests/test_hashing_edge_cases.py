"""Hash buckets: the bucket of a value does not depend on how it is stored."""

import io

import numpy as np
import pandas as pd

import skembed
from skembed import EntityEmbeddingEncoder

FAST = dict(max_iter=3, random_state=0)


def test_bucket_of_a_value_does_not_depend_on_its_container():
    """99, 99.0 and np.float32 values hash alike, before and after save/load."""
    X = pd.DataFrame({"c": np.array(["a"] * 200 + ["b"] * 200 + [np.float32(0.1)], object)})
    y = np.arange(401) % 2
    enc = EntityEmbeddingEncoder(hash_buckets=64, min_frequency=5, **FAST).fit(X, y)
    buffer = io.BytesIO()
    enc.save(buffer)
    buffer.seek(0)
    probe = pd.DataFrame({"c": np.array([np.float32(0.1)], dtype=object)})
    np.testing.assert_array_equal(skembed.load(buffer).transform(probe), enc.transform(probe))
    ints = enc.transform(pd.DataFrame({"c": [99, 1]}))[0]
    floats = enc.transform(pd.DataFrame({"c": [99, np.nan]}))[0]
    np.testing.assert_array_equal(ints, floats)
