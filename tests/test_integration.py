"""The encoder inside scikit-learn tooling: Pipeline, ColumnTransformer, search, joblib."""

import subprocess
import sys

import joblib
import numpy as np
import pytest
from sklearn.base import clone
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler

from conftest import make_frame
from skembed import EntityEmbeddingEncoder

FAST = dict(max_iter=3, random_state=0)


def test_pipeline_with_column_transformer_and_grid_search():
    """GridSearchCV tunes embedding_dim and max_iter of an encoder inside a ColumnTransformer."""
    X, y = make_frame(300)
    pre = ColumnTransformer(
        [
            ("emb", EntityEmbeddingEncoder(random_state=0), ["city", "colour"]),
            ("num", StandardScaler(), ["age", "income"]),
        ]
    )
    pipe = Pipeline([("pre", pre), ("clf", LogisticRegression())])
    grid = GridSearchCV(
        pipe,
        {"pre__emb__embedding_dim": [2, 3], "pre__emb__max_iter": [1, 2]},
        cv=2,
        scoring="roc_auc",
    )
    grid.fit(X, y)
    assert set(grid.cv_results_["param_pre__emb__embedding_dim"]) == {2, 3}
    assert np.isfinite(grid.cv_results_["mean_test_score"]).all()
    names = grid.best_estimator_[:-1].get_feature_names_out()
    assert names[0].startswith("emb__city_emb0")


def test_cross_val_score():
    """cross_val_score runs a pipeline with the encoder and beats chance."""
    X, y = make_frame(400)
    pipe = make_pipeline(
        EntityEmbeddingEncoder(max_iter=5, random_state=0, continuous="scale"),
        LogisticRegression(),
    )
    scores = cross_val_score(pipe, X, y, cv=3, scoring="roc_auc")
    assert scores.mean() > 0.7


def test_clone_keeps_parameters_and_drops_fit():
    """clone gives an unfitted encoder with identical parameters, dicts and callables too."""
    enc = EntityEmbeddingEncoder(embedding_dim={"city": 3}, hidden_layer_sizes=(8,), **FAST)
    X, y = make_frame(200)
    enc.fit(X, y)
    copy = clone(enc)
    assert copy.get_params() == enc.get_params()
    assert not hasattr(copy, "embeddings_")


def test_joblib_round_trip_gives_identical_transform(tmp_path):
    """joblib.dump / load preserves transform bit for bit."""
    X, y = make_frame(300)
    enc = EntityEmbeddingEncoder(**FAST).fit(X, y)
    path = tmp_path / "enc.joblib"
    joblib.dump(enc, path)
    loaded = joblib.load(path)
    np.testing.assert_array_equal(loaded.transform(X), enc.transform(X))


def test_unpickle_and_transform_without_torch(tmp_path):
    """A fitted encoder loads and transforms in a process where torch cannot be imported."""
    X, y = make_frame(300)
    enc = EntityEmbeddingEncoder(**FAST).fit(X, y)
    joblib.dump((enc, X, enc.transform(X)), tmp_path / "enc.joblib")
    code = f"""
import sys

class BlockTorch:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "torch":
            raise ImportError("torch is blocked in this test")

sys.meta_path.insert(0, BlockTorch())
import joblib, numpy as np
enc, X, expected = joblib.load({str(tmp_path / "enc.joblib")!r})
np.testing.assert_array_equal(enc.transform(X), expected)
assert "torch" not in sys.modules
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


@pytest.mark.parametrize("output", ["pandas", "polars"])
def test_set_output(output):
    """set_output returns a pandas (index kept) or polars frame with the feature names."""
    if output == "polars":
        pytest.importorskip("polars")
    X, y = make_frame(200)
    X.index = X.index + 1000
    enc = EntityEmbeddingEncoder(**FAST).set_output(transform=output).fit(X, y)
    Z = enc.transform(X)
    assert list(Z.columns) == enc.get_feature_names_out().tolist()
    if output == "pandas":
        assert Z.index.equals(X.index)
    np.testing.assert_array_equal(np.asarray(Z), enc.set_output(transform="default").transform(X))
