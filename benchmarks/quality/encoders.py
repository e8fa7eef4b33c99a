"""The encoders compared, each with its defaults."""

from __future__ import annotations

from sklearn.compose import ColumnTransformer
from sklearn.model_selection import KFold, StratifiedKFold
from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler, TargetEncoder

from skembed import EntityEmbeddingEncoder

from .datasets import Dataset


def make_encoder(name: str, ds: Dataset, quick: bool):
    cat, cont = ds.categorical, ds.continuous
    if name == "ee":
        params = {}
        if quick:
            params["max_iter"] = 10
        return EntityEmbeddingEncoder(
            categorical_features=cat,
            target_type="continuous" if ds.task == "regression" else "auto",
            continuous="scale",  # the output goes to linear models and k-NN too
            random_state=0,
            **params,
        )
    if name == "onehot":
        inner = OneHotEncoder(handle_unknown="infrequent_if_exist", min_frequency=5)
    elif name == "ordinal":
        inner = OrdinalEncoder(
            handle_unknown="use_encoded_value", unknown_value=-1, encoded_missing_value=-1
        )
    elif name == "target":
        # the default cross-fitting of fit_transform (5 folds, shuffled; stratified for
        # a binary target), seeded through `cv` as scikit-learn >= 1.9 recommends
        if ds.task == "regression":
            folds = KFold(n_splits=5, shuffle=True, random_state=0)
        else:
            folds = StratifiedKFold(n_splits=5, shuffle=True, random_state=0)
        inner = TargetEncoder(
            target_type="continuous" if ds.task == "regression" else "binary", cv=folds
        )
    else:
        raise ValueError(name)
    # sparse_threshold=1.0: one-hot output stays sparse; it is densified per model below
    return ColumnTransformer(
        [("cat", inner, cat), ("num", StandardScaler(), cont)], sparse_threshold=1.0
    )


def encoder_details(name: str, encoder) -> dict:
    if name == "ee":
        return {
            "n_iter": int(encoder.n_iter_),
            "best_iter": int(encoder.best_iter_),
            "embedding_dims": [int(d) for d in encoder.embedding_dims_],
        }
    return {}
