"""``skembed demo``: entity embeddings against one-hot and target encoding on real data.

Loads the bundled Adult sample, fits :class:`~skembed.EntityEmbeddingEncoder`
on 80% of the rows, feeds each encoding to the same downstream models, prints
their test ROC AUC and draws one column's embeddings (PCA to 2-D) as a PNG.
"""

from __future__ import annotations

import re
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

from ._threads import limit_threads

__all__ = ["DemoResult", "run_demo"]

PLOT_HINT = (
    "matplotlib is not installed, so no plot was drawn. "
    'Install it with: pip install "skembed[plot]"'
)
N_LABELLED = 12  # categories named on the plot, most frequent first


@dataclass
class DemoResult:
    """What :func:`run_demo` measured.

    ``scores[encoder][model]`` is the test ROC AUC, ``fit_seconds[encoder]``
    the time to fit the encoding alone, ``n_features[encoder]`` its output
    width, and ``plot_path`` the PNG written (None when none was).
    """

    scores: dict = field(default_factory=dict)
    fit_seconds: dict = field(default_factory=dict)
    n_features: dict = field(default_factory=dict)
    plot_path: Path | None = None
    n_iter: int = 0


def _downstream_models(random_state):
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression

    return {
        "LogisticRegression": lambda: LogisticRegression(max_iter=2000),
        "HistGradientBoosting": lambda: HistGradientBoostingClassifier(random_state=random_state),
    }


def _target_encoder(random_state):
    """``TargetEncoder`` with seeded cross fitting, in the spelling of the installed sklearn."""
    import sklearn
    from sklearn.model_selection import StratifiedKFold
    from sklearn.preprocessing import TargetEncoder

    version = tuple(int(part) for part in re.findall(r"\d+", sklearn.__version__)[:2])
    if version >= (1, 9):  # shuffle / random_state are deprecated there in favour of cv
        return TargetEncoder(cv=StratifiedKFold(5, shuffle=True, random_state=random_state))
    return TargetEncoder(shuffle=True, random_state=random_state)


def _baseline_encoders(categorical, continuous, random_state):
    from sklearn.compose import ColumnTransformer
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    def one_hot():
        return ColumnTransformer(
            [
                (
                    "categorical",
                    OneHotEncoder(
                        handle_unknown="infrequent_if_exist", min_frequency=5, sparse_output=False
                    ),
                    categorical,
                ),
                ("continuous", StandardScaler(), continuous),
            ]
        )

    def target():
        return ColumnTransformer(
            [
                ("categorical", _target_encoder(random_state), categorical),
                ("continuous", StandardScaler(), continuous),
            ]
        )

    return {"one-hot": one_hot, "target encoding": target}


def run_demo(
    out_dir=".",
    *,
    column="occupation",
    max_iter=None,
    plot=True,
    n_threads=1,
    random_state=0,
    verbose=1,
    stream=None,
):
    """Run the demo and print its report to ``stream`` (default: stdout).

    Parameters
    ----------
    out_dir : str or path, default="."
        Folder of the PNG ``skembed_demo_<column>.png``; created if needed.
    column : str, default="occupation"
        Categorical column whose embeddings are plotted.
    max_iter : int, default=None
        Epochs of the encoder; None keeps the encoder's default (a quick
        value is only meant for tests).
    plot : bool, default=True
        Draw the PNG (needs matplotlib; skipped with a hint without it).
    n_threads : int or None, default=1
        CPU threads for torch, BLAS and OpenMP during the demo; None or 0
        keeps the libraries' defaults. The models are small, so one thread
        loses little, while several threads competing for busy cores slow
        training down many times over.
    random_state : int, default=0
        Seed of the split, the encoders and the models.
    verbose : int, default=1
        Progress bar of the encoder's training (on stderr).
    stream : file-like, default=None
        Where the report goes.

    Returns
    -------
    DemoResult
    """
    stream = sys.stdout if stream is None else stream
    with limit_threads(n_threads):
        return _run(out_dir, column, max_iter, plot, random_state, verbose, stream)


def _run(out_dir, column, max_iter, plot, random_state, verbose, stream):
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import train_test_split

    from ._encoder import EntityEmbeddingEncoder
    from .datasets import ADULT_CATEGORICAL, ADULT_CONTINUOUS, load_adult_sample

    def say(text=""):
        print(text, file=stream, flush=True)

    if column not in ADULT_CATEGORICAL:
        raise ValueError(
            f"column must be one of the categorical columns {ADULT_CATEGORICAL}; got {column!r}."
        )
    X, y = load_adult_sample()
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=0.2, random_state=random_state, stratify=y
    )
    say(
        f"skembed demo: UCI Adult (census income) sample, {len(X_train):,} training and "
        f"{len(X_test):,} test rows, {len(ADULT_CATEGORICAL)} categorical and "
        f"{len(ADULT_CONTINUOUS)} continuous columns; target: income > 50K "
        f"({y.mean():.0%} of rows)."
    )

    result = DemoResult()
    models = _downstream_models(random_state)

    # --- entity embeddings: fit once, reuse the encoding for every model
    # scaled continuous columns: the same output serves logistic regression and k-NN
    params = {"random_state": random_state, "verbose": verbose, "continuous": "scale"}
    if max_iter is not None:
        params["max_iter"] = max_iter
    encoder = EntityEmbeddingEncoder(**params)
    say("Training entity embeddings ...")
    start = time.perf_counter()
    Z_train = encoder.fit_transform(X_train, y_train)  # out of fold, as in a Pipeline
    result.fit_seconds["entity embeddings"] = time.perf_counter() - start
    result.n_iter = encoder.n_iter_
    Z_test = encoder.transform(X_test)
    result.n_features["entity embeddings"] = Z_train.shape[1]
    result.scores["entity embeddings"] = {}
    for name, make_model in models.items():
        model = make_model().fit(Z_train, y_train)
        result.scores["entity embeddings"][name] = roc_auc_score(
            y_test, model.predict_proba(Z_test)[:, 1]
        )

    # --- the scikit-learn baselines on the same models
    for label, make_encoder in _baseline_encoders(
        ADULT_CATEGORICAL, ADULT_CONTINUOUS, random_state
    ).items():
        baseline = make_encoder()
        start = time.perf_counter()
        A_train = baseline.fit_transform(X_train, y_train)
        result.fit_seconds[label] = time.perf_counter() - start
        A_test = baseline.transform(X_test)
        result.n_features[label] = A_train.shape[1]
        result.scores[label] = {}
        for name, make_model in models.items():
            model = make_model().fit(A_train, y_train)
            result.scores[label][name] = roc_auc_score(y_test, model.predict_proba(A_test)[:, 1])

    say()
    say(_format_table(result, list(models)))
    say(
        f"(entity embeddings: {result.n_iter} epochs, embedding widths "
        f"{dict(zip(ADULT_CATEGORICAL, encoder.embedding_dims_))})"
    )

    if plot:
        result.plot_path = _plot_embeddings(encoder, X_train, column, Path(out_dir), say)
    return result


def _format_table(result: DemoResult, model_names) -> str:
    header = ["encoder", "features", "fit time"] + [f"{name} AUC" for name in model_names]
    rows = []
    for label in ("one-hot", "target encoding", "entity embeddings"):
        rows.append(
            [
                label,
                str(result.n_features[label]),
                f"{result.fit_seconds[label]:.1f} s",
                *(f"{result.scores[label][name]:.4f}" for name in model_names),
            ]
        )
    widths = [max(len(header[i]), *(len(row[i]) for row in rows)) for i in range(len(header))]

    def line(cells):
        first = cells[0].ljust(widths[0])
        rest = (cell.rjust(width) for cell, width in zip(cells[1:], widths[1:]))
        return "  ".join([first, *rest])

    title = "ROC AUC on the test rows (higher is better)"
    rule = "-" * len(line(header))
    return "\n".join([title, line(header), rule, *(line(row) for row in rows)])


def _plot_embeddings(encoder, X_train, column, out_dir: Path, say) -> Path | None:
    """Write a 2-D PCA of ``column``'s embeddings; None (and a hint) without matplotlib."""
    try:
        from matplotlib.figure import Figure
    except ImportError:
        say(PLOT_HINT)
        return None
    from ._plots import plot_embedding_table

    table = encoder.get_embeddings(column).drop(index=["<unknown>", "<missing>"])
    counts = X_train[column].value_counts().reindex(table.index, fill_value=0)
    figure = Figure(figsize=(8, 6), layout="constrained")
    ax = figure.add_subplot()
    plot_embedding_table(
        table.to_numpy(),
        table.index,
        counts=counts.to_numpy(),
        top=N_LABELLED,
        ax=ax,
        size_by_count=True,
    )
    ax.set_title(
        f"skembed: learned {table.shape[1]}-D embeddings of '{column}' "
        "(PCA to 2-D; marker area ~ frequency, "
        f"{min(N_LABELLED, len(table))} most frequent labelled)",
        fontsize=10,
        wrap=True,
    )
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / f"skembed_demo_{re.sub(r'[^A-Za-z0-9_.-]', '_', column)}.png"
    figure.savefig(path, dpi=100)
    say(f"Wrote {path}")
    return path
