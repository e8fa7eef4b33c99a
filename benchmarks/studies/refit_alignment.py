"""How far a refit's raw coordinates are from last week's, and what ``align`` repairs.

The refits page's example (``docs/user_guide/refits.md``) over three pairs of seeds: last
week's encoder is fitted on the bundled census sample's first 4,000 rows (five categorical
columns) and a logistic regression on its output; this week's encoder (the same widths,
another seed) on the next 4,000 rows. Last week's model then scores the last 2,000 rows
encoded by last week's encoder ("own"), by this week's ("raw") and by this week's aligned
onto last week's ("aligned"); the drift of occupation's shared categories before and after
alignment is printed beside. Default parameters but ``max_iter`` (4 as on the page, and 20).

Usage::

    python -m benchmarks.studies.refit_alignment     # about 10 s on 2 cores
"""

from __future__ import annotations

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score

from skembed import EntityEmbeddingEncoder
from skembed.datasets import load_adult_sample

COLUMNS = ["workclass", "education", "marital-status", "occupation", "relationship"]
SEED_PAIRS = [(0, 1), (2, 3), (4, 5)]


def one_pair(X, y, max_iter: int, last_seed: int, this_seed: int) -> dict:
    """Own, raw and aligned ROC AUC of last week's model, and occupation's drift."""
    last = EntityEmbeddingEncoder(max_iter=max_iter, random_state=last_seed, n_jobs=1)
    last.fit(X[:4000], y[:4000])
    model = LogisticRegression(max_iter=1000).fit(last.transform(X[:4000]), y[:4000])

    def auc(encoder) -> float:
        return roc_auc_score(y[8000:], model.predict_proba(encoder.transform(X[8000:]))[:, 1])

    widths = dict(zip(COLUMNS, last.embedding_dims_))
    this = EntityEmbeddingEncoder(
        embedding_dim=widths, max_iter=max_iter, random_state=this_seed, n_jobs=1
    ).fit(X[4000:8000], y[4000:8000])
    raw = auc(this)
    this.align(last)
    _, before, after = this.alignment_drift_["occupation"]
    return {"own": auc(last), "raw": raw, "aligned": auc(this), "drift": (before, after)}


def main() -> None:
    X, y = load_adult_sample()
    X, y = X[COLUMNS], np.asarray(y)
    print("| max_iter | seeds | own | raw | aligned | occupation drift |")
    print("|---:|---|---:|---:|---:|---|")
    for max_iter in (4, 20):
        for a, b in SEED_PAIRS:
            r = one_pair(X, y, max_iter, a, b)
            print(
                f"| {max_iter} | {a}, {b} | {r['own']:.4f} | {r['raw']:.4f} | "
                f"{r['aligned']:.4f} | {r['drift'][0]:.3f} → {r['drift'][1]:.3f} |"
            )


if __name__ == "__main__":
    main()
