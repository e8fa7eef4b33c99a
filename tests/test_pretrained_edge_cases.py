"""Pretrained tables: the rows of categories absent from the data."""

import numpy as np
import pandas as pd

from conftest import make_frame
from skembed import EntityEmbeddingEncoder

FAST = dict(max_iter=3, random_state=0)


def test_unfrozen_pretrained_rows_absent_from_x_keep_their_vector():
    """No weight decay on tables: a pretrained category never seen stays exactly as given."""
    X, y = make_frame(300)
    table = pd.DataFrame(np.full((2, 3), 0.5), index=["paris", "atlantis"])
    enc = EntityEmbeddingEncoder(pretrained_embeddings={"city": table}, alpha=1e-2, **FAST)
    enc.fit(X, y)
    np.testing.assert_array_equal(enc.get_embeddings("city").loc["atlantis"], [0.5] * 3)
    assert not np.allclose(enc.get_embeddings("city").loc["paris"], 0.5)
