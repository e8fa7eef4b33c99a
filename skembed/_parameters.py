"""The estimator's parameters and the constraints ``fit`` validates them against."""

from __future__ import annotations

import numbers

from ._output import OUTPUT_TYPES
from ._validation import Interval, Options

__all__ = ["PARAMETER_CONSTRAINTS"]

PARAMETER_CONSTRAINTS: dict = {
    "categorical_features": [Options({"auto"}), "array-like"],
    "embedding_dim": [
        Options({"auto"}),
        Interval(numbers.Integral, 1, None),
        dict,
        "callable",
    ],
    "pretrained_embeddings": [dict, None],
    "freeze_pretrained": ["boolean", "array-like"],
    "separator": [dict, None],
    "bag_mode": [Options({"mean", "sum"})],
    "hash_buckets": [Interval(numbers.Integral, 1, None), dict, None],
    "sparse_embeddings": [Options({"auto"}), "boolean"],
    "cv": [None, Interval(numbers.Integral, 2, None), "cv object"],
    "cross_fit": [Options({"tables", "refit"})],
    "warm_start": ["boolean"],
    "shared_embeddings": [list, None],
    "categories": [Options({"auto"}), list, dict],
    "max_embedding_dim": [Interval(numbers.Integral, 1, None)],
    "min_frequency": [
        Interval(numbers.Integral, 1, None),
        Interval(numbers.Real, 0, 1, closed="neither"),
        None,
    ],
    "max_categories": [Interval(numbers.Integral, 1, None), None],
    "handle_unknown": [Options({"embed", "error"})],
    "continuous": [Options({"scale", "passthrough", "drop"})],
    "target_type": [Options({"auto", "binary", "multiclass", "continuous"})],
    "hidden_layer_sizes": ["int sequence"],
    "linear_path": ["boolean"],
    "main_effects_first": ["boolean"],
    "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    "embedding_dropout": [Interval(numbers.Real, 0, 1, closed="left")],
    "unknown_rate": [Interval(numbers.Real, 0, 1, closed="left")],
    "alpha": [Interval(numbers.Real, 0, None)],
    # batch normalisation needs 2 rows a batch
    "batch_size": [Interval(numbers.Integral, 2, None), Options({"auto"})],
    "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
    "embedding_learning_rate": [Interval(numbers.Real, 0, None, closed="neither"), None],
    "shrinkage": [Interval(numbers.Real, 0, None, closed="left")],
    "max_iter": [Interval(numbers.Integral, 1, None)],
    "early_stopping": ["boolean"],
    "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
    "n_iter_no_change": [Interval(numbers.Integral, 1, None)],
    "tol": [Interval(numbers.Real, 0, None)],
    "device": [str],
    "dtype": ["float dtype"],
    "random_state": ["random_state"],
    "verbose": ["boolean", Interval(numbers.Integral, 0, None)],
    "partitions_per_buffer": [Interval(numbers.Integral, 1, None)],
    "output_type": [Options(set(OUTPUT_TYPES))],
    "mixed_precision": [Options({"bf16", "fp16"}), None],
    "n_jobs": [Interval(numbers.Integral, 1, None), Interval(numbers.Integral, None, -1), None],
}
