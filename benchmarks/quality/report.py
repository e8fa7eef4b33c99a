"""The defaults' goals and the markdown report of the quality benchmark."""

from __future__ import annotations

from .._common import (
    busy_warning,
    fmt_seconds,
    machine_summary,
    markdown_table,
)
from .settings import (
    ENCODER_LABELS,
    ENCODERS,
    MODEL_LABELS,
    MODELS,
    TIE_TOLERANCE,
)


def goals(payload: dict) -> list[dict]:
    """The defaults' goals (issue 5), each with its margin; > 0 means met with room."""
    results = {(r["dataset"], r["model"], r["encoder"]): r["value"] for r in payload["results"]}
    out = []
    for ds_name, ds_info in payload["datasets"].items():
        sign = 1.0 if ds_info["metric"] == "roc_auc" else -1.0
        for model in MODELS:
            ee, te = results.get((ds_name, model, "ee")), results.get((ds_name, model, "target"))
            if ee is None or te is None:
                continue
            diff = sign * (ee - te)
            out.append({"goal": f"{ds_name}: EE + {model} >= TargetEncoder + {model}",
                        "margin": diff, "met": diff >= -TIE_TOLERANCE})  # fmt: skip
        ee, oh = results.get((ds_name, "knn", "ee")), results.get((ds_name, "knn", "onehot"))
        if ee is not None and oh is not None:
            diff = sign * (ee - oh)
            out.append({"goal": f"{ds_name}: EE + knn > one-hot + knn", "margin": diff,
                        "met": diff > TIE_TOLERANCE})  # fmt: skip
    fit = payload["encoders"].get("adult", {}).get("ee", {}).get("fit_transform_s")
    if fit is not None:
        out.append({"goal": "adult: EE fit < 30 s on 2 CPU cores", "margin": 30.0 - fit,
                    "met": fit < 30.0, "seconds": fit})  # fmt: skip
    return out


def render_markdown(payload: dict) -> str:
    lines = [
        f"# Quality benchmark{' (--quick smoke run)' if payload['quick'] else ''}",
        "",
        machine_summary(payload["machine"]),
        "",
        *([busy_warning(payload["machine"]), ""] if busy_warning(payload["machine"]) else []),
        "Metric on the test split: ROC AUC for adult (higher is better), RMSE for "
        "movielens (lower is better). Each encoder is fitted on the training split "
        "(`fit_transform`; TargetEncoder cross-fits there), continuous columns "
        "standardized. The last column compares EntityEmbedding with the best of "
        f"one-hot and target encoding for the same model (|difference| <= "
        f"{payload['config']['tie_tolerance']} is a tie). LightGBM is one model on the "
        "raw columns with native categorical support (no encoder, same value on every "
        "row of a dataset).",
        "",
    ]
    headers = ["Dataset", "Model", "Metric"] + [ENCODER_LABELS[e] for e in ENCODERS]
    headers += ["LightGBM native", "EE vs best(one-hot, target)"]
    rows = []
    results = {(r["dataset"], r["model"], r["encoder"]): r for r in payload["results"]}
    comparison = {(c["dataset"], c["model"]): c for c in payload["comparison"]}
    skip_notes = []
    for ds_name, ds_info in payload["datasets"].items():
        metric = "ROC AUC ↑" if ds_info["metric"] == "roc_auc" else "RMSE ↓"
        lgb_value = payload["lightgbm"].get(ds_name, {}).get("value")
        for model in MODELS:
            if not any((ds_name, model, e) in results for e in ENCODERS):
                continue
            label = MODEL_LABELS[ds_info["task"]][model]
            cells = [ds_name, label, metric]
            for enc in ENCODERS:
                r = results.get((ds_name, model, enc))
                if r is None:
                    cells.append("—")
                elif r["value"] is not None:
                    cells.append(f"{r['value']:.4f}")
                else:
                    status = r["status"]
                    skip_notes.append(f"{ds_name} / {label} / {ENCODER_LABELS[enc]}: {status}")
                    cells.append(status.split(" (")[0] + f" [{len(skip_notes)}]")
            cells.append(f"{lgb_value:.4f}" if lgb_value is not None else "—")
            c = comparison.get((ds_name, model))
            if c is None or c["verdict"] == "n/a":
                cells.append("n/a")
            else:
                other = ENCODER_LABELS[c["best_other_name"]]
                sign = "+" if c["diff"] >= 0 else "−"
                word = "**loses**" if c["verdict"] == "loses" else c["verdict"]
                cells.append(f"{word} ({sign}{abs(c['diff']):.4f} vs {other})")
            rows.append(cells)
    lines.append(markdown_table(headers, rows, ["l", "l", "l"] + ["r"] * 5 + ["l"]))
    if skip_notes:
        lines += [""] + [f"[{i}] {note}" for i, note in enumerate(skip_notes, 1)]
    lines += ["", "Encoder cost (training split, seconds of wall clock):", ""]
    headers = ["Dataset", "Encoder", "fit_transform", "transform (test)", "Output columns"]
    rows = []
    for ds_name, encs in payload["encoders"].items():
        for enc, e in encs.items():
            if "error" in e:
                rows.append([ds_name, ENCODER_LABELS[enc], e["error"], "", ""])
                continue
            width = f"{e['n_features_out']}{' (sparse)' if e['sparse'] else ''}"
            if enc == "ee":
                width += f"; {e['n_iter']} epochs"
            rows.append(
                [
                    ds_name,
                    ENCODER_LABELS[enc],
                    fmt_seconds(e["fit_transform_s"]),
                    fmt_seconds(e["transform_test_s"]),
                    width,
                ]
            )
        lgb_res = payload["lightgbm"].get(ds_name)
        if lgb_res and lgb_res.get("value") is not None:
            rows.append([ds_name, "LightGBM (model fit)", fmt_seconds(lgb_res["fit_s"]), "", ""])
    lines.append(markdown_table(headers, rows, ["l", "l", "r", "r", "l"]))
    for ds_name, ds_info in payload["datasets"].items():
        for note in ds_info["notes"]:
            lines.append(f"\nNote ({ds_name}): {note}.")
    if payload.get("goals"):
        lines += ["", "## The defaults' goals", "",
                  f"Met when the margin is >= -{TIE_TOLERANCE} (a tie counts) for the "
                  "TargetEncoder comparisons, > +0.002 for k-NN against one-hot; margins are "
                  "in the metric's units, positive when EE is better.", ""]  # fmt: skip
        rows = []
        for g in payload["goals"]:
            margin = f"{g['margin']:+.1f} s" if "seconds" in g else f"{g['margin']:+.4f}"
            rows.append([g["goal"], margin, "met" if g["met"] else "**not met**"])
        lines.append(markdown_table(["goal", "margin", ""], rows, ["l", "r", "l"]))
    if payload.get("leakage"):
        from ..leakage import render_sections

        lines += ["", "## Leakage: in-sample against out-of-fold embeddings", ""]
        lines += render_sections(payload["leakage"], level="###")
    lines.append(f"\nTotal run time: {fmt_seconds(payload['total_seconds'])}.")
    return "\n".join(lines) + "\n"
