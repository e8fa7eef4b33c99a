"""Cross-fitting prototypes built on the released encoder, before ``cross_fit="tables"``.

Each wrapper is a scikit-learn transformer over the categorical columns that makes fold
copies of the categories *in the data* (a category ``v`` of fold copy ``j`` becomes the
token ``"v@j"``), fits :class:`~skembed.EntityEmbeddingEncoder` on that, and encodes the
training rows out of fold. They answered, on seed 0 of the suite's validation splits,
three questions before the package changed (``benchmarks/results/cross_fit_prototypes.md``):

* ``bags``: each row reads the *mean* of the ``k - 1`` other folds' copies (a bag), and is
  encoded by its own fold's copy. Only differences of means pin a copy: noisy.
* ``repeats``: each row is repeated ``k - 1`` times, each repeat reading one other fold's
  copy (what ``cross_fit="tables"`` does), with ``k`` folds. The tokens were passed as bags
  of one (list cells), so without ``shrinkage``, which bags do not take.
* ``rare``: the same, but only categories seen fewer than ``m`` times get copies (rows with
  none are not repeated); ``weighted`` gives each repeat ``1 / (k - 1)`` of the row's weight.
* ``passes``: the control: every row repeated ``k - 1`` times *without* copies (more
  passes per epoch, same leak).
* ``target_in_sample``: scikit-learn's ``TargetEncoder`` fitted, then applied to its own
  training rows (``fit(X, y).transform(X)``, not its cross-fitting ``fit_transform``): how
  much the leak alone costs target encoding.

Usage (from the repository root, the data in ``../shared/datasets``; about 10 minutes for
all tables and one wrapper on 2 cores)::

    python -m benchmarks.prototypes.cross_fit_wrappers repeats 5 adult,tuna_choice

It prints one line per table: the validation split's score (ROC AUC, RMSE or log loss, as
the suite) of the linear model, k-NN, random forest and gradient boosting on the wrapper's
output, then the fit time. The encoder inside has the defaults of the time (``cv=None``,
``shrinkage=0.2``); the logged runs differ from this file's only in the order in which
categories were first seen (category codes), not in what was trained.
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.model_selection import KFold, StratifiedKFold

from skembed import EntityEmbeddingEncoder, auto_embedding_dim


class FoldTokens(TransformerMixin, BaseEstimator):
    """Fold copies of the categories as tokens; see the module docstring for ``kind``."""

    def __init__(self, kind="repeats", k=5, m=30, weighted=False, random_state=None):
        self.kind = kind
        self.k = k
        self.m = m
        self.weighted = weighted
        self.random_state = random_state

    def _tokens(self, X, copies):
        """Each value as ``"v@j"`` (``copies`` per row), or a list of tokens per row."""
        out = {}
        for c in X.columns:
            values = X[c].astype(object).astype(str).to_numpy()
            rare = self.rare_.get(c)
            if isinstance(copies, list):  # a bag of several copies per row
                out[c] = [[f"{v}@{j}" for j in row] for v, row in zip(values, copies)]
            elif self.kind == "repeats":  # a bag of one copy
                out[c] = [[f"{v}@{j}"] for v, j in zip(values, copies)]
            else:
                out[c] = [
                    f"{v}@{j}" if rare is None or v in rare else v for v, j in zip(values, copies)
                ]
        return pd.DataFrame(out, index=X.index)

    def fit_transform(self, X, y):
        X, y = pd.DataFrame(X), np.asarray(y)
        n = len(X)
        if self.kind == "target_in_sample":
            from sklearn.preprocessing import TargetEncoder

            self.encoder_ = TargetEncoder(random_state=self.random_state).fit(X, y)
            return self.encoder_.transform(X)
        classify = y.dtype.kind in "OUSb" or len(np.unique(y)) <= 20
        splitter = (StratifiedKFold if classify else KFold)(
            self.k, shuffle=True, random_state=self.random_state
        )
        folds = np.empty(n, dtype=int)
        for j, (_, test) in enumerate(splitter.split(X, y)):
            folds[test] = j
        self.rare_ = {}
        repeated = np.ones(n, dtype=bool)
        if self.kind == "rare":
            repeated[:] = False
            for c in X.columns:
                values = X[c].astype(object).astype(str)
                counts = values.value_counts()
                self.rare_[c] = set(counts.index[counts < self.m])
                repeated |= values.isin(self.rare_[c]).to_numpy()
        widths = {c: min(auto_embedding_dim(X[c].nunique()), 8) for c in X.columns}
        self.encoder_ = EntityEmbeddingEncoder(
            random_state=self.random_state,
            embedding_dim=widths,
            n_jobs=1,
            cv=None,
            shrinkage=0.2,
        )  # the defaults of the time
        if self.kind == "bags":
            others = [[j for j in range(self.k) if j != f] for f in folds]
            self.encoder_.fit(self._tokens(X, others), y)
            return np.asarray(self.encoder_.transform(self._tokens(X, folds)))
        if self.kind == "passes":
            self.rare_ = {c: set() for c in X.columns}  # no copies: plain values
        parts, targets, weights = [], [], []
        single = np.flatnonzero(~repeated)
        parts.append(self._tokens(X.iloc[single], np.zeros(len(single), int)))
        targets.append(y[single])
        weights.append(np.ones(len(single)))
        rows = np.flatnonzero(repeated)
        for r in range(1, self.k):
            parts.append(self._tokens(X.iloc[rows], (folds[rows] + r) % self.k))
            targets.append(y[rows])
            weights.append(np.full(len(rows), 1 / (self.k - 1) if self.weighted else 1.0))
        order = np.random.default_rng(0).permutation(sum(len(p) for p in parts))
        Xr = pd.concat(parts, ignore_index=True).iloc[order].reset_index(drop=True)
        self.encoder_.fit(
            Xr, np.concatenate(targets)[order], sample_weight=np.concatenate(weights)[order]
        )
        return np.asarray(self.encoder_.transform(self._tokens(X, folds)))

    def fit(self, X, y):
        self.fit_transform(X, y)
        return self

    def transform(self, X):
        X = pd.DataFrame(X)
        if self.kind == "target_in_sample":
            return self.encoder_.transform(X)
        if self.kind == "passes":
            return np.asarray(self.encoder_.transform(self._tokens(X, np.zeros(len(X), int))))
        if self.kind == "bags":
            everyone = [list(range(self.k))] * len(X)
            return np.asarray(self.encoder_.transform(self._tokens(X, everyone)))
        per_copy = [self._tokens(X, np.full(len(X), j)) for j in range(self.k)]
        return np.mean([np.asarray(self.encoder_.transform(p)) for p in per_copy], axis=0)


def main(argv=None) -> None:
    import torch
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    from benchmarks import suite

    torch.set_num_threads(1)
    argv = sys.argv[1:] if argv is None else argv
    kind, k, names = argv[0], int(argv[1]), argv[2].split(",")
    weighted = len(argv) > 3 and argv[3] == "weighted"
    data = Path(__file__).resolve().parents[2].parent / "shared" / "datasets"
    tasks = suite.load_tasks(data)
    for name in names:
        frame = suite.load_frame(tasks[name], data)
        split = suite.make_split(frame, 0, validation=True)
        parts = [("cat", FoldTokens(kind, k, weighted=weighted, random_state=0),
                  frame.categorical)]  # fmt: skip
        if frame.continuous:
            parts.append(("num", make_pipeline(SimpleImputer(), StandardScaler()),
                          frame.continuous))  # fmt: skip
        start = time.perf_counter()
        transformer = ColumnTransformer(parts)
        Z_train = transformer.fit_transform(split.X_train, split.y_train)
        seconds = time.perf_counter() - start
        Z_test = transformer.transform(split.X_test)
        scores = [
            suite.run_model(model, frame.task, 0, Z_train, Z_test, split)["value"]
            for model in ["linear", "knn", "rf", "hgb"]
        ]
        print(name, kind, k, " ".join(f"{s:.4f}" for s in scores), f"fit {seconds:.1f}s",
              flush=True)  # fmt: skip


if __name__ == "__main__":
    main()
