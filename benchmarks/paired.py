"""Paired comparison of encoder configurations on the suite's validation cells, seed by seed.

Every (dataset, model, seed) cell of a configuration's validation run is scored against the
best of one-hot, ordinal and target encoding with the same model on the same seed, as a
signed relative gain in % (positive: EE better). For each configuration the report gives the
share of cells within 0.2 % of the best classic encoder or better, the mean gain clipped to
+-5 % (so that one dataset's outlier cannot decide), the encoder's total fit time, and,
against the first configuration, the paired mean difference of the clipped gains with its
standard error. The four models of one (dataset, seed) share one encoder fit, so the
standard error is that of the per-fit mean differences (clustered by fit), not of the cells.
The test rows are never read: the inputs are ``suite --validation`` runs.

Usage::

    python -m benchmarks.paired --classic V/classic_seed0.json V/classic_seeds12.json \\
        --candidates "base=V/a0.json,V/a12.json" "new=V/b.json" --out NAME

writes ``results/NAME.{json,md}``. Only the cells every configuration has are compared.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

from ._common import RESULTS_DIR, markdown_table
from .lodo import HIGHER_IS_BETTER, ct_results, signed_gain

CLASSIC = ("onehot", "ordinal", "target")
TIE_PCT = 0.2
CLIP_PCT = 5.0


def load_cells(paths: list[str], encoders: set) -> tuple[dict, dict, dict]:
    """Values by (dataset, model, seed, encoder), metrics by dataset, fit s by (dataset, seed)."""
    values, metrics, fit_s = {}, {}, {}
    for path in paths:
        data = json.loads(Path(path).read_text())
        seeds = {row["seed"] for row in data["results"] if row["encoder"] in encoders}
        if seeds & {key[2] for key in values}:
            raise SystemExit(f"{path} repeats seeds {sorted(seeds & {k[2] for k in values})}")
        metrics.update({name: info["metric"] for name, info in data["datasets"].items()})
        for row in ct_results(data, encoders):
            if row.get("model") != "native":
                key = (row["dataset"], row["model"], row["seed"], row["encoder"])
                values[key] = row["value"]
        for row in data.get("encoders", []):
            if row["encoder"] in encoders and row.get("mode", "ct") == "ct":
                fit_s[(row["dataset"], row["seed"])] = row["fit_transform_s"]
    return values, metrics, fit_s


def gains(classic: dict, metrics: dict, candidate: dict) -> dict:
    """``{(dataset, model, seed): gain in %}`` of EE against the best classic encoder."""
    found = {}
    for (dataset, model, seed, _), value in candidate.items():
        rivals = [classic[key] for key in ((dataset, model, seed, e) for e in CLASSIC)
                  if key in classic]  # fmt: skip
        if rivals:
            higher = HIGHER_IS_BETTER[metrics[dataset]]
            best = max(rivals) if higher else min(rivals)
            found[(dataset, model, seed)] = signed_gain(value, best, metrics[dataset])
    return found


def compare(classic: dict, metrics: dict, candidates: dict) -> dict:
    """Per configuration: cells, share >= best, clipped mean, paired difference vs the first."""
    per = {name: gains(classic, metrics, values) for name, (values, _) in candidates.items()}
    common = sorted(set.intersection(*(set(g) for g in per.values())))
    names = list(candidates)
    base = np.clip([per[names[0]][c] for c in common], -CLIP_PCT, CLIP_PCT)
    summary = {}
    for name in names:
        raw = np.array([per[name][c] for c in common])
        clipped = np.clip(raw, -CLIP_PCT, CLIP_PCT)
        diff = clipped - base
        fits_of = [(c[0], c[2]) for c in common]
        per_fit = [np.mean(diff[[k for k, f in enumerate(fits_of) if f == fit]])
                   for fit in sorted(set(fits_of))]  # fmt: skip
        fit = candidates[name][1]
        fits = [fit[(d, s)] for d, s in sorted({(c[0], c[2]) for c in common}) if (d, s) in fit]
        summary[name] = {
            "cells": len(common),
            "share_ge_best": float(np.mean(raw >= -TIE_PCT)),
            "mean_clipped_gain": float(np.mean(clipped)),
            "diff_vs_first": float(np.mean(diff)),
            "diff_se": float(np.std(per_fit, ddof=1) / np.sqrt(len(per_fit))),
            "better": int(np.sum(diff > 0)),
            "worse": int(np.sum(diff < 0)),
            "fit_s": float(np.sum(fits)),
            "fits": len(fits),
        }
    datasets = sorted({c[0] for c in common})
    by_dataset = {
        name: {d: float(np.mean([per[name][c] for c in common if c[0] == d])) for d in datasets}
        for name in names
    }
    return {"summary": summary, "by_dataset": by_dataset, "cells": [list(c) for c in common]}


def render(result: dict, configs: dict) -> str:
    names = list(result["summary"])
    first = names[0]
    rows = []
    for name in names:
        s = result["summary"][name]
        paired = "" if name == first else (
            f"{s['diff_vs_first']:+.2f} ± {s['diff_se']:.2f} ({s['better']} better, "
            f"{s['worse']} worse)"
        )  # fmt: skip
        rows.append((name, f"`{configs[name][0]}`", configs[name][1],
                     f"{100 * s['share_ge_best']:.1f}%",
                     f"{s['mean_clipped_gain']:+.2f}%", paired,
                     f"{s['fit_s']:.1f} s ({s['fits']} fits)"))  # fmt: skip
    datasets = sorted(next(iter(result["by_dataset"].values())))
    per_dataset = [[d] + [f"{result['by_dataset'][n][d]:+.2f}%" for n in names] for d in datasets]
    n_cells = result["summary"][first]["cells"]
    return "\n\n".join([
        "# Paired comparison on the suite's validation cells",
        f"{n_cells} (dataset, model, seed) cells common to every run; the test rows were never "
        f"read. A cell counts as >= best classic within {TIE_PCT}%; gains are clipped to "
        f"+-{CLIP_PCT:g}% in the means; 'paired vs {first}' is the mean difference of clipped "
        "gains, cell by cell, +- its standard error over encoder fits (the four models of a "
        "(dataset, seed) share a fit). Fit time: the encoder's fits in these runs (runs made "
        "side by side on 2 cores: compare, do not quote as speeds). 'code' is the commit each "
        "run's package came from ('+dirty': a patched copy, a prototype).",
        markdown_table(["name", "parameters", "code", "cells >= best classic", "mean gain",
                        f"paired vs {first} (% points)", "fit time"], rows,
                       "lllrrrr"),  # fmt: skip
        "Mean gain against the best classic encoder, per dataset (over models and seeds; "
        "not clipped, unlike the means above):",
        markdown_table(["dataset"] + names, per_dataset, "l" + "r" * len(names)),
    ]) + "\n"  # fmt: skip


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--classic", nargs="+", required=True)
    parser.add_argument("--candidates", nargs="+", required=True, help="NAME=run.json[,more]")
    parser.add_argument("--out", required=True)
    args = parser.parse_args(argv)
    classic, metrics, _ = load_cells(args.classic, set(CLASSIC))
    candidates, configs = {}, {}
    for item in args.candidates:
        name, paths = item.split("=", 1)
        values, more, fit_s = load_cells(paths.split(","), {"ee"})
        metrics.update(more)
        candidates[name] = (values, fit_s)
        runs = [json.loads(Path(path).read_text()) for path in paths.split(",")]
        commits = sorted({run["machine"].get("git_commit") or "?" for run in runs})
        configs[name] = (json.dumps(runs[0]["config"]["ee_params"]), ", ".join(commits))
    result = compare(classic, metrics, candidates)
    result["inputs"] = {"classic": args.classic, "candidates": args.candidates}
    text = render(result, configs)
    (RESULTS_DIR / f"{args.out}.json").write_text(json.dumps(result, indent=1))
    (RESULTS_DIR / f"{args.out}.md").write_text(text)
    print(text)


if __name__ == "__main__":
    main()
