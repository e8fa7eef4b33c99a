"""Real data: the census income table (skipped when ../shared/datasets is absent)."""

import time

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skembed import EntityEmbeddingEncoder


def test_adult_logistic_regression_auc(adult):
    """Encoder + logistic regression reaches held-out AUC >= 0.90 on adult, fit in < 60 s."""
    X, y = adult
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, random_state=0)
    pipe = make_pipeline(
        EntityEmbeddingEncoder(random_state=0, continuous="scale"),
        LogisticRegression(max_iter=1000),
    )
    start = time.perf_counter()
    pipe.fit(X_train, y_train)
    elapsed = time.perf_counter() - start
    auc = roc_auc_score(y_test, pipe.predict_proba(X_test)[:, 1])
    print(f"adult: AUC {auc:.4f}, pipeline fit {elapsed:.1f} s")
    assert auc >= 0.90
    assert elapsed < 60
    enc = pipe[0]
    assert [len(c) for c in enc.categories_][:2] == [9, 16]  # workclass, education
    Z = enc.transform(X_test)
    assert np.isfinite(Z).all()


def test_adult_embeddings_order_education(adult):
    """Education levels learn an order: their first principal axis tracks years of schooling."""
    X, y = adult
    X = X.drop(columns=["educational-num"])
    enc = EntityEmbeddingEncoder(random_state=0, max_iter=8).fit(X.iloc[:20000], y[:20000])
    table = enc.get_embeddings("education").iloc[:-2]
    years = (
        adult[0].groupby("education")["educational-num"].first().reindex(table.index).to_numpy()
    )
    centred = table.to_numpy() - table.to_numpy().mean(axis=0)
    axis = np.linalg.svd(centred, full_matrices=False)[2][0]
    rho = np.corrcoef(np.argsort(np.argsort(centred @ axis)), np.argsort(np.argsort(years)))[0, 1]
    assert abs(rho) > 0.7
