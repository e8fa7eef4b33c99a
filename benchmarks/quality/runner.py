"""The quality benchmark's run: every dataset, encoder and model, into one payload."""

from __future__ import annotations

import time
import traceback
import warnings

import scipy.sparse as sp

from .._common import (
    Timer,
    busy_warning,
    fmt_seconds,
    machine_info,
    machine_summary,
)
from .datasets import (
    LOADERS,
    Dataset,
)
from .encoders import (
    encoder_details,
    make_encoder,
)
from .models import (
    fit_model,
    make_model,
    prepare_input,
    run_lightgbm,
    score,
)
from .report import goals
from .settings import (
    ENCODER_LABELS,
    MAX_DENSE_BYTES,
    TIE_TOLERANCE,
)


def run_model(ds: Dataset, enc_name: str, model_name: str, Z_train, Z_test, args) -> dict:
    """Train one downstream model on one encoding; a result row for the JSON file."""
    row = {"dataset": ds.name, "encoder": enc_name, "model": model_name}
    A, B, layout, reason = prepare_input(model_name, Z_train, Z_test)
    if reason is not None:
        return {**row, "status": f"skipped ({reason})", "value": None}
    model = make_model(model_name, ds.task, args.quick)
    try:
        with Timer() as t_fit:
            model, reason = fit_model(model_name, model, A, ds.y_train, args.rf_budget)
        if reason is not None:
            return {**row, "status": f"skipped ({reason})", "value": None,
                    "probe_s": t_fit.seconds}  # fmt: skip
        with Timer() as t_pred:
            value = score(ds, model, B)
    except Exception as exc:  # record it and go on with the other combinations
        traceback.print_exc()
        return {**row, "status": f"error ({exc!r})", "value": None}
    return {
        **row,
        "status": "ok",
        "value": value,
        "input": layout,
        "n_columns": int(A.shape[1]),
        "model_fit_s": t_fit.seconds,
        "predict_s": t_pred.seconds,
    }


def verdict(ds: Dataset, ee: float | None, others: dict[str, float | None]) -> dict:
    available = {k: v for k, v in others.items() if v is not None}
    if ee is None or not available:
        return {"verdict": "n/a", "best_other": None, "best_other_name": None, "diff": None}
    pick = max if ds.higher_is_better else min
    best_name = pick(available, key=available.get)
    best = available[best_name]
    diff = (ee - best) if ds.higher_is_better else (best - ee)  # > 0: EE is better
    if abs(diff) <= TIE_TOLERANCE:
        word = "ties"
    elif diff > 0:
        word = "wins"
    else:
        word = "loses"
    return {"verdict": word, "best_other": best, "best_other_name": best_name, "diff": diff}


def run(args) -> dict:
    t_start = time.perf_counter()
    if args.threads is not None:
        import torch
        from threadpoolctl import threadpool_limits

        torch.set_num_threads(args.threads)
        threadpool_limits(limits=args.threads)
    info = machine_info()
    print(f"# Quality benchmark{' (--quick)' if args.quick else ''}")
    print(machine_summary(info), flush=True)
    if busy_warning(info):
        print(busy_warning(info), flush=True)
    quick_rows = {"adult": 10_000, "movielens": 20_000} if args.quick else {}

    payload = {
        "benchmark": "quality",
        "quick": args.quick,
        "machine": info,
        "config": {
            "tie_tolerance": TIE_TOLERANCE,
            "rf_trees": 20 if args.quick else 200,
            "ee_params": "defaults, random_state=0"
            + (", max_iter=10 (--quick)" if args.quick else ""),
            "max_dense_bytes": MAX_DENSE_BYTES,
            "rf_budget_s": args.rf_budget,
            "threads": args.threads,
            "quick_rows": quick_rows,
        },
        "datasets": {},
        "encoders": {},
        "results": [],
        "lightgbm": {},
        "comparison": [],
    }
    for ds_name in args.datasets:
        ds = LOADERS[ds_name](args.data_dir, quick_rows.get(ds_name))
        payload["datasets"][ds_name] = {
            "task": ds.task,
            "metric": ds.metric,
            "n_train": len(ds.X_train),
            "n_test": len(ds.X_test),
            "categorical": ds.categorical,
            "continuous": ds.continuous,
            "split": ds.split,
            "notes": ds.notes,
        }
        print(
            f"\n## {ds_name}: {len(ds.X_train)} train / {len(ds.X_test)} test rows, "
            f"metric {ds.metric}",
            flush=True,
        )
        payload["encoders"][ds_name] = {}
        for enc_name in args.encoders:
            encoder = make_encoder(enc_name, ds, args.quick)
            entry = {}
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore", UserWarning)  # unknown categories
                    with Timer() as t_fit:
                        Z_train = encoder.fit_transform(ds.X_train, ds.y_train)
                    with Timer() as t_tr:
                        Z_test = encoder.transform(ds.X_test)
            except Exception as exc:  # record and go on with the other encoders
                traceback.print_exc()
                payload["encoders"][ds_name][enc_name] = {"error": repr(exc)}
                for model_name in args.models:
                    payload["results"].append(
                        {
                            "dataset": ds_name,
                            "encoder": enc_name,
                            "model": model_name,
                            "status": f"error (encoder: {exc!r})",
                            "value": None,
                        }
                    )
                continue
            entry = {
                "fit_transform_s": t_fit.seconds,
                "transform_test_s": t_tr.seconds,
                "n_features_out": int(Z_train.shape[1]),
                "sparse": bool(sp.issparse(Z_train)),
                **encoder_details(enc_name, encoder),
            }
            payload["encoders"][ds_name][enc_name] = entry
            print(
                f"  {ENCODER_LABELS[enc_name]:<16} fit {fmt_seconds(t_fit.seconds):>8}, "
                f"{Z_train.shape[1]} columns{' (sparse)' if entry['sparse'] else ''}",
                flush=True,
            )
            for model_name in args.models:
                row = run_model(ds, enc_name, model_name, Z_train, Z_test, args)
                payload["results"].append(row)
                if row["status"] == "ok":
                    print(
                        f"    {model_name:<7} {ds.metric} {row['value']:.4f}  (fit "
                        f"{fmt_seconds(row['model_fit_s'])}, predict "
                        f"{fmt_seconds(row['predict_s'])}, {row['input']} input)",
                        flush=True,
                    )
                else:
                    print(f"    {model_name:<7} {row['status']}", flush=True)
        if not args.no_lightgbm:
            try:
                lgb_res = run_lightgbm(ds, args.quick)
            except Exception as exc:
                traceback.print_exc()
                lgb_res = {"value": None, "error": repr(exc)}
            payload["lightgbm"][ds_name] = lgb_res
            if lgb_res.get("value") is not None:
                print(
                    f"  LightGBM native categorical: {ds.metric} {lgb_res['value']:.4f} "
                    f"(fit {fmt_seconds(lgb_res['fit_s'])})",
                    flush=True,
                )
        for model_name in args.models:
            values = {
                r["encoder"]: r["value"]
                for r in payload["results"]
                if r["dataset"] == ds_name and r["model"] == model_name
            }
            payload["comparison"].append(
                {
                    "dataset": ds_name,
                    "model": model_name,
                    **verdict(
                        ds,
                        values.get("ee"),
                        {k: values.get(k) for k in ("onehot", "target") if k in values},
                    ),
                }
            )
    if not args.no_leakage:
        from ..leakage import run as run_leakage

        print("\n# Leakage: in-sample against out-of-fold embeddings", flush=True)
        payload["leakage"] = run_leakage(args)
    payload["goals"] = goals(payload)
    payload["total_seconds"] = time.perf_counter() - t_start
    return payload
