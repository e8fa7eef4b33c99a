"""align(reference): a refit's tables moved onto a previous fit's coordinates."""

import io

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

import skembed
from skembed import EntityEmbeddingEncoder
from skembed.datasets import load_adult_sample

CATEGORICAL = ["workclass", "education", "marital-status", "occupation", "relationship"]


@pytest.fixture(scope="module")
def census():
    """Census sample: last week's rows, this week's rows, and held-out rows."""
    X, y = load_adult_sample()
    X, y = X[CATEGORICAL], np.asarray(y)
    return (X.iloc[:4000], y[:4000]), (X.iloc[4000:8000], y[4000:8000]), (X.iloc[8000:], y[8000:])


def test_a_refit_aligned_onto_last_weeks_fit_serves_last_weeks_model(census):
    """After align, last week's model reads this week's features; drift drops for every column."""
    (X1, y1), (X2, y2), (X_test, y_test) = census
    # the whole network from the start, one table per column: a refit's coordinates then
    # differ beyond its first (main-effect) axes, which is what align repairs
    params = {"max_iter": 4, "main_effects_first": False, "cv": None}
    last = EntityEmbeddingEncoder(random_state=0, **params).fit(X1, y1)
    model = LogisticRegression(max_iter=1000).fit(last.transform(X1), y1)
    auc_last = roc_auc_score(y_test, model.predict_proba(last.transform(X_test))[:, 1])
    widths = dict(zip(CATEGORICAL, last.embedding_dims_))
    new = EntityEmbeddingEncoder(embedding_dim=widths, random_state=1, **params).fit(X2, y2)
    auc_raw = roc_auc_score(y_test, model.predict_proba(new.transform(X_test))[:, 1])
    before = [t.copy() for t in new.embeddings_]
    assert new.align(last) is new
    auc_aligned = roc_auc_score(y_test, model.predict_proba(new.transform(X_test))[:, 1])
    assert auc_aligned > auc_raw + 0.05 and auc_aligned > auc_last - 0.02
    for name, (n_shared, drift_before, drift_after) in new.alignment_drift_.items():
        assert n_shared > 0 and drift_after < drift_before, name
    for a, b in zip(before, new.embeddings_):  # orthogonal: distances inside a table kept
        np.testing.assert_allclose(
            np.linalg.norm(a[:, None] - a[None], axis=2),
            np.linalg.norm(b[:, None] - b[None], axis=2),
            atol=1e-5,
        )
    buffer = io.BytesIO()
    new.save(buffer)
    buffer.seek(0)
    loaded = skembed.load(buffer)
    assert loaded.alignment_drift_ == new.alignment_drift_
    np.testing.assert_array_equal(loaded.transform(X_test), new.transform(X_test))


def test_with_main_effects_first_a_raw_refit_already_serves_last_weeks_model(census):
    """Main effects on each table's first axes: unaligned, this week's features still score."""
    (X1, y1), (X2, y2), (X_test, y_test) = census
    last = EntityEmbeddingEncoder(max_iter=4, random_state=0).fit(X1, y1)
    model = LogisticRegression(max_iter=1000).fit(last.transform(X1), y1)
    widths = dict(zip(CATEGORICAL, last.embedding_dims_))
    new = EntityEmbeddingEncoder(embedding_dim=widths, max_iter=4, random_state=1).fit(X2, y2)
    auc = [
        roc_auc_score(y_test, model.predict_proba(enc.transform(X_test))[:, 1])
        for enc in (last, new)
    ]
    assert auc[1] > auc[0] - 0.02


def test_align_refuses_different_widths_and_foreign_columns(census):
    """Different widths name the column and the fix; no shared column is an error."""
    (X1, y1), (X2, y2), _ = census
    last = EntityEmbeddingEncoder(max_iter=1, random_state=0).fit(X1, y1)
    wide = EntityEmbeddingEncoder(embedding_dim=9, max_iter=1, random_state=0).fit(X2, y2)
    tables = [t.copy() for t in wide.embeddings_]
    with pytest.raises(ValueError, match="'workclass' has width 9 here"):
        wide.align(last)
    for a, b in zip(tables, wide.embeddings_):  # a failed align changes nothing
        np.testing.assert_array_equal(a, b)
    other = EntityEmbeddingEncoder(max_iter=1).fit(X2.rename(columns=lambda c: c + "_2"), y2)
    with pytest.raises(ValueError, match="nothing to align"):
        other.align(last)
    with pytest.raises(TypeError, match="fitted EntityEmbeddingEncoder"):
        last.align(LogisticRegression().fit([[0], [1]], [0, 1]))


def test_a_refit_drops_the_alignment_drift(census):
    """fit after align leaves no stale alignment_drift_ (the new tables are not aligned)."""
    (X1, y1), (X2, y2), _ = census
    last = EntityEmbeddingEncoder(max_iter=1, random_state=0).fit(X1, y1)
    widths = dict(zip(CATEGORICAL, last.embedding_dims_))
    new = EntityEmbeddingEncoder(embedding_dim=widths, max_iter=1, random_state=1).fit(X2, y2)
    assert hasattr(new.align(last), "alignment_drift_")
    assert not hasattr(new.fit(X2, y2), "alignment_drift_")
    from sklearn.ensemble import HistGradientBoostingClassifier

    with pytest.raises(TypeError, match="fitted EntityEmbeddingEncoder"):
        new.align(HistGradientBoostingClassifier())
