"""Leave-one-dataset-out choice of the encoder's defaults, from validation runs of the suite.

Each candidate configuration is run by ``suite.py --validation --encoders ee`` (scores on a
split of the training rows; the test rows are never read), and the classic encoders once
with ``--validation``. For every dataset ``d``, the configuration with the best mean rank
over the (dataset, model) cells of the *other* datasets is chosen for ``d``; its cells on
``d`` are out of sample. The report says which configuration each fold chose (how stable
the choice is) and, per cell of the held-out datasets, the validation verdict of the
configuration chosen without that dataset against the best classic encoder.

Usage::

    python benchmarks/lodo.py --classic results/suite_validation_val_classic.json \\
        --candidates A=results/suite_validation_val_A.json B=results/suite_validation_val_B.json

Writes ``results/lodo.{json,md}``. The test-split numbers of the chosen defaults come from
a plain ``suite.py`` run of the release configuration.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

RESULTS = Path(__file__).resolve().parent / "results"
HIGHER_IS_BETTER = {"roc_auc": True, "rmse": False, "log_loss": False}


def load_scores(path: Path, encoders: set | None = None) -> dict:
    """``{(dataset, model, encoder): mean score}`` of a suite JSON (ColumnTransformer mode)."""
    found = defaultdict(list)
    data = json.loads(Path(path).read_text())
    metrics = {name: info["metric"] for name, info in data["datasets"].items()}
    for row in data["results"]:
        if row.get("status") != "ok" or row.get("mode", "ct") != "ct":
            continue
        if encoders is not None and row["encoder"] not in encoders:
            continue
        found[(row["dataset"], row.get("model"), row["encoder"])].append(row["value"])
    return {key: float(np.mean(values)) for key, values in found.items()}, metrics


def signed_gain(ee: float, best: float, metric: str) -> float:
    """Relative difference in %, positive when EE is better."""
    if HIGHER_IS_BETTER[metric]:
        return 100.0 * (ee - best) / abs(best)
    return 100.0 * (best - ee) / abs(best)


def cell_table(classic: dict, metrics: dict, candidates: dict) -> dict:
    """``{(dataset, model): {name: gain vs best classic in %}}`` over cells every run has."""
    cells = defaultdict(dict)
    for name, scores in candidates.items():
        for (dataset, model, encoder), value in scores.items():
            if encoder != "ee" or model == "native":
                continue
            metric = metrics[dataset]
            rivals = [
                classic[(dataset, model, other)]
                for other in ("onehot", "ordinal", "target")
                if (dataset, model, other) in classic
            ]
            if not rivals:
                continue
            best = max(rivals) if HIGHER_IS_BETTER[metric] else min(rivals)
            cells[(dataset, model)][name] = signed_gain(value, best, metric)
    names = set(candidates)
    return {cell: gains for cell, gains in cells.items() if set(gains) == names}


def mean_ranks(cells: dict, datasets: set) -> dict:
    """Mean rank (1 = best) of each configuration over the cells of ``datasets``."""
    ranks = defaultdict(list)
    for (dataset, _), gains in cells.items():
        if dataset not in datasets:
            continue
        order = sorted(gains, key=lambda name: -gains[name])
        for rank, name in enumerate(order, start=1):
            ranks[name].append(rank)
    return {name: float(np.mean(values)) for name, values in ranks.items()}


def leave_one_out(cells: dict) -> dict:
    """For each dataset, the configuration chosen on the others and its held-out cells."""
    datasets = sorted({dataset for dataset, _ in cells})
    folds = {}
    for held_out in datasets:
        ranks = mean_ranks(cells, set(datasets) - {held_out})
        chosen = min(ranks, key=lambda name: (ranks[name], name))
        held = {model: gains[chosen] for (dataset, model), gains in cells.items()
                if dataset == held_out}  # fmt: skip
        folds[held_out] = {"chosen": chosen, "mean_rank_on_others": ranks[chosen],
                           "gains": held}  # fmt: skip
    return folds


def verdict(gain: float, tolerance: float = 0.2) -> str:
    """win / tie / loss from a relative gain in % (tie within ``tolerance`` %)."""
    if gain > tolerance:
        return "win"
    return "tie" if gain >= -tolerance else "loss"


def report(folds: dict, cells: dict, names: list) -> str:
    """The Markdown report: choices per fold, held-out verdicts, overall ranks."""
    lines = ["# Leave-one-dataset-out choice of the defaults (validation splits)", ""]
    overall = mean_ranks(cells, {dataset for dataset, _ in cells})
    lines += ["| configuration | mean rank, all datasets | chosen in folds |", "|---|---:|---:|"]
    chosen = Counter(fold["chosen"] for fold in folds.values())
    for name in sorted(names, key=lambda n: overall.get(n, 99)):
        lines.append(f"| {name} | {overall.get(name, float('nan')):.2f} | {chosen[name]} |")
    lines += ["", "| held-out dataset | chosen on the others | model | gain vs best classic | "
              "verdict |", "|---|---|---|---:|---|"]  # fmt: skip
    counts = Counter()
    for dataset, fold in sorted(folds.items()):
        for model, gain in sorted(fold["gains"].items()):
            counts[verdict(gain)] += 1
            lines.append(f"| {dataset} | {fold['chosen']} | {model} | {gain:+.2f}% | "
                         f"{verdict(gain)} |")  # fmt: skip
    total = sum(counts.values())
    share = (counts["win"] + counts["tie"]) / max(total, 1)
    lines += ["", f"Held-out cells: {counts['win']} wins, {counts['tie']} ties, "
              f"{counts['loss']} losses (EE >= best classic in {share:.0%}; tie = within "
              "0.2%).", ""]  # fmt: skip
    return "\n".join(lines)


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--classic", type=Path, required=True)
    parser.add_argument("--candidates", nargs="+", required=True, help="NAME=results.json")
    parser.add_argument("--out", default="lodo")
    args = parser.parse_args(argv)
    classic, metrics = load_scores(args.classic, {"onehot", "ordinal", "target"})
    candidates = {}
    for item in args.candidates:
        name, path = item.split("=", 1)
        candidates[name], more = load_scores(Path(path), {"ee"})
        metrics.update(more)
    cells = cell_table(classic, metrics, candidates)
    folds = leave_one_out(cells)
    text = report(folds, cells, list(candidates))
    (RESULTS / f"{args.out}.md").write_text(text + "\n")
    serial = {"folds": folds, "candidates": {n: str(p) for n, p in
              (item.split("=", 1) for item in args.candidates)}}  # fmt: skip
    (RESULTS / f"{args.out}.json").write_text(json.dumps(serial, indent=1))
    print(text)


if __name__ == "__main__":
    main()
