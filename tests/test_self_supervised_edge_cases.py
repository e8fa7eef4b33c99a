"""fit(X) without y (self-supervised) with sparse tables."""

import numpy as np

from conftest import make_frame
from skembed import EntityEmbeddingEncoder


def test_self_supervised_with_sparse_tables():
    """fit(X) with sparse_embeddings=True uses negative sampling for the sparse tables."""
    X, _ = make_frame(300)
    enc = EntityEmbeddingEncoder(sparse_embeddings=True, max_iter=2, random_state=0).fit(X)
    assert np.isfinite(enc.transform(X)).all()
