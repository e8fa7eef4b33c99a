"""Does the network know what target encoding knows, and do its vectors show it? (validation)

Where entity embeddings lose to target encoding with a linear model, two explanations
compete: the surrogate network learned less about the target from the categorical columns
than the smoothed per-category means hold, or it learned as much but its vectors do not
show it to a linear model (the network reads them through a nonlinear MLP). This study
separates the two on every dataset's validation split (seed 0; the categorical columns
only, so that the three predictions see the same inputs):

- **network**: the default encoder's own surrogate network, run on the validation rows from
  its fitted tables and ``network_weights_`` (MLP in eval mode plus the linear path);
- **linear on vectors**: logistic or ridge regression on the encoder's output;
- **linear on target encoding**: the same model on scikit-learn's cross-fitted
  ``TargetEncoder`` output.

Scores as in the suite (ROC AUC, RMSE, log loss). The test rows are never read.

Usage::

    python -m benchmarks.studies.network_vs_vectors   # ~2 min on 2 cores; writes
                                                      # results/network_vs_vectors.{json,md}
"""

from __future__ import annotations

import numpy as np

from .. import suite
from .._common import machine_summary, markdown_table, study_main


def network_output(encoder, Z: np.ndarray) -> np.ndarray:
    """The trained network's output (logits or scaled predictions) for the vectors ``Z``.

    ``Z``: the encoder's output on categorical columns only, so the network's input is the
    concatenated vectors. Linear layers, batch normalisation (running statistics) and ReLU,
    in the order of ``network_weights_``; dropout is off at inference.
    """
    weights = encoder.network_weights_
    hidden = Z.astype(np.float64)
    last = max(int(key.split(".")[1]) for key in weights if key.startswith("mlp."))
    for index in range(last + 1):
        prefix = f"mlp.{index}."
        if prefix + "running_mean" in weights:  # batch norm, then ReLU
            mean, var = weights[prefix + "running_mean"], weights[prefix + "running_var"]
            hidden = (hidden - mean) / np.sqrt(var + 1e-5)
            hidden = np.maximum(hidden * weights[prefix + "weight"] + weights[prefix + "bias"], 0)
        elif prefix + "weight" in weights:  # linear (ReLU and dropout hold no weights)
            hidden = hidden @ weights[prefix + "weight"].T + weights[prefix + "bias"]
    if "linear_path.weight" in weights:
        hidden = hidden + Z.astype(np.float64) @ weights["linear_path.weight"].T
    return hidden


def network_score(task: str, encoder, Z: np.ndarray, y: np.ndarray) -> float:
    """The network's validation score, on the suite's metric."""
    from scipy.special import softmax
    from sklearn.metrics import log_loss, roc_auc_score, root_mean_squared_error

    out = network_output(encoder, Z)
    if task == "binary":
        return float(roc_auc_score(y, out[:, 0]))
    if task == "multiclass":
        return float(log_loss(y, softmax(out, axis=1), labels=np.arange(out.shape[1])))
    mean, scale = encoder.target_scaling_
    return float(root_mean_squared_error(y, out[:, 0] * scale + mean))


def linear_score(task: str, split, A, B) -> float:
    """The suite's linear model fitted on ``A`` (training rows), scored on ``B``."""
    model = suite.make_model("linear", task, 0).fit(A, split.y_train)
    return suite.score(task, model, B, split.y_test)


def run(data_dir) -> list[dict]:
    from skembed import EntityEmbeddingEncoder

    tasks = suite.load_tasks(data_dir)
    records = []
    for name in sorted(tasks):
        frame = suite.load_frame(tasks[name], data_dir)
        split = suite.make_split(frame, 0, True)
        cats = frame.categorical
        X, X_val = split.X_train[cats], split.X_test[cats]
        target_type = "continuous" if frame.task == "regression" else frame.task
        encoder = EntityEmbeddingEncoder(
            categorical_features=cats, target_type=target_type, random_state=0, n_jobs=1
        )
        Z, Z_val = encoder.fit_transform(X, split.y_train), encoder.transform(X_val)
        target = suite.classic_encoder("target", frame.task, 0)
        T, T_val = target.fit_transform(X, split.y_train), target.transform(X_val)

        records.append(
            {"dataset": name, "task": frame.task, "metric": suite.METRICS[frame.task],
             "network": network_score(frame.task, encoder, np.asarray(Z_val), split.y_test),
             "linear_on_vectors": linear_score(frame.task, split, Z, Z_val),
             "linear_on_target": linear_score(frame.task, split, T, T_val),
             "epochs": int(encoder.n_iter_)}
        )  # fmt: skip
        print(name, {k: v for k, v in records[-1].items() if k != "dataset"}, flush=True)
    return records


def render(records: list[dict], info: dict) -> str:
    def better(a: float, b: float, task: str) -> bool:
        return a >= b if task == "binary" else a <= b

    rows = [
        [r["dataset"], r["metric"], f"{r['network']:.4f}", f"{r['linear_on_vectors']:.4f}",
         f"{r['linear_on_target']:.4f}",
         "yes" if better(r["network"], r["linear_on_target"], r["task"]) else "no"]
        for r in records
    ]  # fmt: skip
    table = markdown_table(
        ["dataset", "metric", "network", "linear on vectors", "linear on target encoding",
         "network >= linear on target encoding"],
        rows, ["l", "l", "r", "r", "r", "l"],
    )  # fmt: skip
    n_net = sum(better(r["network"], r["linear_on_target"], r["task"]) for r in records)
    n_vec = sum(better(r["linear_on_vectors"], r["linear_on_target"], r["task"]) for r in records)
    return (
        "# The surrogate network against its vectors (validation splits, categorical columns only)"
        f"\n\n{machine_summary(info)}\n\nProtocol in `benchmarks/studies/network_vs_vectors.py`"
        " (seed 0; ROC AUC higher is better, RMSE and log loss lower).\n\n" + table + "\n\n"
        f"The network is at least as good as the linear model on target encoding on {n_net} of "
        f"{len(records)} tables; the linear model on its vectors on {n_vec}.\n"
    )


def main(argv=None) -> None:
    study_main("network_vs_vectors", __doc__.splitlines()[0], run, render, argv)


if __name__ == "__main__":
    main()
