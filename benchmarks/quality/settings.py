"""What the quality benchmark compares, and its thresholds."""

from __future__ import annotations

TIE_TOLERANCE = 0.002
# Dense copies of a sparse one-hot matrix larger than this are not made (bytes).
MAX_DENSE_BYTES = 512 * 2**20
# A random forest whose estimated fit time exceeds this is skipped (seconds; --rf-budget).
RF_BUDGET_S = 240.0

ENCODERS = ["ee", "onehot", "ordinal", "target"]
ENCODER_LABELS = {
    "ee": "EntityEmbedding",
    "onehot": "One-hot",
    "ordinal": "Ordinal",
    "target": "Target enc.",
}
MODELS = ["linear", "knn", "rf", "hgb"]
MODEL_LABELS = {
    "binary": {
        "linear": "LogisticRegression",
        "knn": "KNeighbors (k=50)",
        "rf": "RandomForest",
        "hgb": "HistGradientBoosting",
    },
    "regression": {
        "linear": "Ridge",
        "knn": "KNeighbors (k=50)",
        "rf": "RandomForest",
        "hgb": "HistGradientBoosting",
    },
}
