"""The speed issue's three ratios on adult, with the test AUCs beside each timing.

1. **Time to quality**: the encoder's default fit (``continuous="scale"``, one torch
   thread) against a cross-fitted ``TargetEncoder`` + ``HistGradientBoostingClassifier``
   pipeline fitted on the same rows. Target <= 1.5x, with the AUCs of logistic regression
   and gradient boosting on the encoder's output beside the pipeline's.
   Beside it, the same fit in sample (``cv=None``: one table per column, each row trained
   once an epoch), not a target.
2. **Loop overhead**: one epoch of the encoder (a fit of 4 epochs minus a fit of 1, over 3,
   early stopping off, ``cv=None`` so that an epoch visits each row once) against one epoch
   of a minimal hand-written torch loop with the same tables, MLP (128, 64) with batch norm,
   ReLU and dropout, embedding dropout, Adam with the tables at 10x the learning rate, and
   the same batch size, on tensors made once. Target <= 1.2x.
3. **Busy / quiet**: the default fit in a fresh process while another process keeps one
   core busy, against the same fit on a quiet machine. Target <= 1.5x.

Each timing is the median of 3 runs (1 run with ``--quick``). Usage::

    python -m benchmarks.speed.ratios            # about 3 minutes on 2 cores
    python -m benchmarks.speed.ratios --quick
"""

from __future__ import annotations

import argparse
import json
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from .._common import (
    DEFAULT_DATA_DIR,
    busy_warning,
    machine_info,
    machine_summary,
    markdown_table,
    write_results,
)

TARGETS = {"time_to_quality": 1.5, "loop_overhead": 1.2, "busy_quiet": 1.5}


def adult(data_dir: Path):
    """The suite's adult task and its test split (seed 0)."""
    from .. import suite

    frame = suite.load_frame(suite.load_tasks(data_dir)["adult"], data_dir)
    return frame, suite.make_split(frame, 0, False)


def encoder(frame, **params):
    from skembed import EntityEmbeddingEncoder

    return EntityEmbeddingEncoder(
        categorical_features=frame.categorical, continuous="scale", random_state=0,
        n_jobs=1, **params,
    )  # fmt: skip


def timed(function, repeats: int) -> tuple[float, object]:
    """Median wall time of ``function()`` over ``repeats`` runs, and its last result."""
    times, result = [], None
    for _ in range(repeats):
        start = time.perf_counter()
        result = function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), result


def time_to_quality(frame, split, repeats: int) -> dict:
    from sklearn.compose import ColumnTransformer
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import TargetEncoder

    Xtr, Xte, ytr, yte = split.X_train, split.X_test, split.y_train, split.y_test
    ee_s, ee = timed(lambda: encoder(frame).fit(Xtr, ytr), repeats)
    Ztr, Zte = ee.transform(Xtr), ee.transform(Xte)
    auc = {}
    for name, model in [("linear", LogisticRegression(max_iter=1000)),
                        ("hgb", HistGradientBoostingClassifier(random_state=0))]:  # fmt: skip
        auc[name] = roc_auc_score(yte, model.fit(Ztr, ytr).predict_proba(Zte)[:, 1])

    def pipeline():
        folds = StratifiedKFold(5, shuffle=True, random_state=0)
        encode = ColumnTransformer(
            [("cat", TargetEncoder(cv=folds), frame.categorical)], remainder="passthrough"
        )
        return make_pipeline(encode, HistGradientBoostingClassifier(random_state=0)).fit(Xtr, ytr)

    te_s, te = timed(pipeline, repeats)
    te_auc = roc_auc_score(yte, te.predict_proba(Xte)[:, 1])
    in_sample_s, _ = timed(lambda: encoder(frame, cv=None).fit(Xtr, ytr), repeats)
    return {"ee_fit_s": ee_s, "te_hgb_fit_s": te_s, "ratio": ee_s / te_s,
            "epochs": int(ee.n_iter_), "ee_auc_linear": auc["linear"], "ee_auc_hgb": auc["hgb"],
            "te_hgb_auc": te_auc, "in_sample_fit_s": in_sample_s}  # fmt: skip


def minimal_epoch(ee, Xtr, ytr, repeats: int) -> float:
    """Seconds per epoch of a hand-written loop with ``ee``'s tables and network shape."""
    import torch
    from torch import nn

    torch.manual_seed(0)
    codes = []
    for column, categories in zip(ee.categorical_columns_, ee.categories_):
        values = Xtr.iloc[:, column].astype(object).to_numpy()
        index = {v: k for k, v in enumerate(categories)}
        codes.append([index.get(v, len(categories)) for v in values])  # setup, not timed
    codes = torch.as_tensor(np.array(codes).T, dtype=torch.int64)
    cont = Xtr.iloc[:, ee.continuous_columns_].to_numpy(dtype=np.float64)
    cont = np.nan_to_num((cont - ee.continuous_mean_) / ee.continuous_scale_)
    cont = torch.as_tensor(cont, dtype=torch.float32)
    target = torch.as_tensor(np.asarray(ytr), dtype=torch.float32)[:, None]
    tables = nn.ModuleList(
        nn.Embedding(len(c) + 2, d) for c, d in zip(ee.categories_, ee.embedding_dims_)
    )
    width = sum(ee.embedding_dims_) + cont.shape[1]
    mlp = nn.Sequential(
        nn.Linear(width, 128), nn.BatchNorm1d(128), nn.ReLU(), nn.Dropout(0.1),
        nn.Linear(128, 64), nn.BatchNorm1d(64), nn.ReLU(), nn.Dropout(0.1), nn.Linear(64, 1),
    )  # fmt: skip
    dropout = nn.Dropout(0.1)
    optimizer = torch.optim.Adam(
        [{"params": mlp.parameters(), "weight_decay": 1e-3},
         {"params": tables.parameters(), "lr": 3e-2}], lr=3e-3,
    )  # fmt: skip
    loss_fn = nn.BCEWithLogitsLoss()
    batch, n = int(ee.batch_size_), codes.shape[0]

    def epoch():
        perm = torch.randperm(n)
        for start in range(0, n, batch):
            rows = perm[start : start + batch]
            if len(rows) < 2:
                continue
            c = codes[rows]
            x = torch.cat([dropout(torch.cat([t(c[:, k]) for k, t in enumerate(tables)], 1)),
                           cont[rows]], 1)  # fmt: skip
            loss = loss_fn(mlp(x), target[rows])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()

    torch.set_num_threads(1)
    epoch()  # warm-up
    seconds, _ = timed(epoch, repeats)
    return seconds


def loop_overhead(frame, split, repeats: int) -> dict:
    Xtr, ytr = split.X_train, split.y_train
    # one table per column, as the minimal loop: cv's copies repeat every row k - 1 times an
    # epoch, which is more work per epoch, not loop overhead
    params = dict(early_stopping=False, cv=None)
    one, _ = timed(lambda: encoder(frame, max_iter=1, **params).fit(Xtr, ytr), repeats)
    four, fitted = timed(lambda: encoder(frame, max_iter=4, **params).fit(Xtr, ytr), repeats)
    ours = (four - one) / 3
    theirs = minimal_epoch(fitted, Xtr, ytr, repeats)
    return {"encoder_epoch_s": ours, "minimal_epoch_s": theirs, "ratio": ours / theirs,
            "batch_size": int(fitted.batch_size_), "rows": len(ytr)}  # fmt: skip


CHILD = """
import time, sys
sys.path.insert(0, {root!r})
from benchmarks.speed.ratios import adult, encoder
from pathlib import Path
frame, split = adult(Path({data!r}))
start = time.perf_counter()
encoder(frame).fit(split.X_train, split.y_train)
print(time.perf_counter() - start)
"""


def busy_quiet(data_dir: Path, repeats: int) -> dict:
    root = str(Path(__file__).resolve().parents[2])
    code = CHILD.format(root=root, data=str(data_dir))

    def fit_in_child() -> float:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                              check=True)  # fmt: skip
        return float(done.stdout.strip().splitlines()[-1])

    quiet = statistics.median(fit_in_child() for _ in range(repeats))
    spinner = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        busy = statistics.median(fit_in_child() for _ in range(repeats))
    finally:
        spinner.kill()
    return {"quiet_fit_s": quiet, "busy_fit_s": busy, "ratio": busy / quiet}


def verdict(name: str, ratio: float) -> str:
    return "PASS" if ratio <= TARGETS[name] else "FAIL"


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    args = parser.parse_args(argv)
    repeats = 1 if args.quick else 3
    info = machine_info()
    frame, split = adult(args.data_dir.resolve())
    quality = time_to_quality(frame, split, repeats)
    print(quality, flush=True)
    loop = loop_overhead(frame, split, repeats)
    print(loop, flush=True)
    busy = busy_quiet(args.data_dir.resolve(), repeats)
    print(busy, flush=True)
    q, lp, b = quality, loop, busy
    rows = [
        ["time to quality: default fit / (TargetEncoder + HGB fit)",
         f"{q['ee_fit_s']:.2f} s / {q['te_hgb_fit_s']:.2f} s", f"{q['ratio']:.2f}x",
         f"<= {TARGETS['time_to_quality']}x", verdict("time_to_quality", q["ratio"]),
         f"EE+LR {q['ee_auc_linear']:.4f}, EE+HGB {q['ee_auc_hgb']:.4f}, "
         f"TE+HGB {q['te_hgb_auc']:.4f} ({q['epochs']} epochs); cv=None fit "
         f"{q['in_sample_fit_s']:.2f} s = {q['in_sample_fit_s'] / q['te_hgb_fit_s']:.2f}x"],
        ["loop overhead: encoder epoch / minimal loop epoch",
         f"{lp['encoder_epoch_s']:.3f} s / {lp['minimal_epoch_s']:.3f} s", f"{lp['ratio']:.2f}x",
         f"<= {TARGETS['loop_overhead']}x", verdict("loop_overhead", lp["ratio"]),
         f"batch {lp['batch_size']}, {lp['rows']:,} rows"],
        ["busy / quiet: default fit with one core kept busy",
         f"{b['busy_fit_s']:.2f} s / {b['quiet_fit_s']:.2f} s", f"{b['ratio']:.2f}x",
         f"<= {TARGETS['busy_quiet']}x", verdict("busy_quiet", b["ratio"]), "fresh processes"],
    ]  # fmt: skip
    table = markdown_table(["ratio", "times", "value", "target", "verdict", "beside it"], rows)
    warning = busy_warning(info)
    markdown = "\n".join(
        [
            "# Speed ratios on adult (issue: speed)",
            "",
            machine_summary(info),
            "",
            *([warning, ""] if warning else []),
            f"Medians of {repeats} runs, one torch thread; test split of the suite's adult "
            "task (seed 0). Produced by `python -m benchmarks.speed.ratios`.",
            "",
            table,
            "",
        ]
    )
    payload = {"machine": info, "time_to_quality": q, "loop_overhead": lp, "busy_quiet": b}
    write_results("speed_ratios", args.quick, None, payload, markdown)
    print(json.dumps({k: round(v["ratio"], 3) for k, v in
                      {"ttq": q, "loop": lp, "busy": b}.items()}))  # fmt: skip
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
