"""Leave-one-dataset-out choice of the encoder's defaults, from validation runs of the suite.

Each candidate configuration is run by ``suite.py --validation --encoders ee`` (scores on a
split of the training rows; the test rows are never read), and the classic encoders once
with ``--validation``. For every dataset ``d``, the configuration with the best mean rank
over the (dataset, model) cells of the *other* datasets is chosen for ``d``; its cells on
``d`` are out of sample. The report says which configuration each fold chose (how stable
the choice is) and, per cell of the held-out datasets, the validation verdict of the
configuration chosen without that dataset against the best classic encoder.

The criterion (``--criterion goal``, the default) is the suite's goal: the share of cells
where EE is at least as good as the best classic encoder (within 0.2%), ties broken by the
mean gain clipped to +-5%. ``--criterion rank`` uses the mean rank among the candidates.

Usage::

    python -m benchmarks.lodo --classic benchmarks/results/suite_validation_val_classic.json \\
        --candidates A=benchmarks/results/suite_validation_val_A.json \\
        B=benchmarks/results/suite_validation_val_B.json

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


def ct_results(data: dict, encoders: set | None = None):
    """The rows of a suite JSON's results that scored (status ok) in ColumnTransformer mode,
    of ``encoders`` (all when None)."""
    for row in data["results"]:
        if row.get("status") != "ok" or row.get("mode", "ct") != "ct":
            continue
        if encoders is None or row["encoder"] in encoders:
            yield row


def load_scores(paths, encoders: set | None = None) -> dict:
    """``{(dataset, model, encoder): mean score over seeds}`` of suite JSONs (ColumnTransformer
    mode); ``paths`` is one path or several (runs of other seeds)."""
    found = defaultdict(list)
    metrics = {}
    for path in [paths] if isinstance(paths, (str, Path)) else paths:
        data = json.loads(Path(path).read_text())
        metrics.update({name: info["metric"] for name, info in data["datasets"].items()})
        for row in ct_results(data, encoders):
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


def goal_scores(cells: dict, datasets: set) -> dict:
    """The suite's goal on ``datasets``: (share of cells >= best classic, mean clipped gain).

    A cell counts when EE is within the tie tolerance (0.2%) of the best classic encoder
    or better; ties in that share are broken by the mean gain clipped to +-5%, so that
    one dataset's outlier cannot decide.
    """
    found = defaultdict(list)
    for (dataset, _), gains in cells.items():
        if dataset in datasets:
            for name, gain in gains.items():
                found[name].append(gain)
    return {
        name: (
            float(np.mean(np.asarray(values) >= -0.2)),
            float(np.mean(np.clip(values, -5.0, 5.0))),
        )  # fmt: skip
        for name, values in found.items()
    }


def choose(cells: dict, datasets: set, criterion: str) -> str:
    """The configuration that does best on ``datasets`` by ``criterion``."""
    if criterion == "rank":
        ranks = mean_ranks(cells, datasets)
        return min(ranks, key=lambda name: (ranks[name], name))
    scores = goal_scores(cells, datasets)
    return max(scores, key=lambda name: (scores[name], name))


def leave_one_out(cells: dict, criterion: str = "goal") -> dict:
    """For each dataset, the configuration chosen on the others and its held-out cells."""
    datasets = sorted({dataset for dataset, _ in cells})
    folds = {}
    for held_out in datasets:
        others = set(datasets) - {held_out}
        ranks = mean_ranks(cells, others)
        chosen = choose(cells, others, criterion)
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


def report(folds: dict, cells: dict, names: list, criterion: str, configs: dict) -> str:
    """The Markdown report: choices per fold, held-out verdicts, overall ranks."""
    lines = ["# Leave-one-dataset-out choice of the defaults (validation splits)", ""]
    every = {dataset for dataset, _ in cells}
    overall, goal = mean_ranks(cells, every), goal_scores(cells, every)
    lines += [f"Criterion: {criterion} (see the module docstring). Validation cells only: "
              "the test rows were never read.", "",
              "| configuration | parameters | cells >= best classic | mean gain (clipped) | "
              "mean rank | chosen in folds |", "|---|---|---:|---:|---:|---:|"]  # fmt: skip
    chosen = Counter(fold["chosen"] for fold in folds.values())
    for name in sorted(names, key=lambda n: (-goal[n][0], -goal[n][1])):
        share, gain = goal[name]
        lines.append(f"| {name} | `{configs.get(name, '')}` | {share:.0%} | {gain:+.2f}% | "
                     f"{overall[name]:.2f} | {chosen[name]} |")  # fmt: skip
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
    parser.add_argument("--classic", type=Path, nargs="+", required=True)
    parser.add_argument(
        "--candidates", nargs="+", required=True, help="NAME=results.json[,more seeds.json]"
    )
    parser.add_argument("--out", default="lodo")
    parser.add_argument("--criterion", choices=["goal", "rank"], default="goal")
    args = parser.parse_args(argv)
    classic, metrics = load_scores(args.classic, {"onehot", "ordinal", "target"})
    candidates = {}
    for item in args.candidates:
        name, path = item.split("=", 1)
        candidates[name], more = load_scores(path.split(","), {"ee"})
        metrics.update(more)
    cells = cell_table(classic, metrics, candidates)
    folds = leave_one_out(cells, args.criterion)
    configs = {}
    for item in args.candidates:
        name, path = item.split("=", 1)
        first = Path(path.split(",")[0])
        configs[name] = json.dumps(json.loads(first.read_text())["config"]["ee_params"])
    text = report(folds, cells, list(candidates), args.criterion, configs)
    (RESULTS / f"{args.out}.md").write_text(text + "\n")
    serial = {"folds": folds, "classic": [str(p) for p in args.classic],
              "candidates": {n: str(p) for n, p in
                             (item.split("=", 1) for item in args.candidates)}}  # fmt: skip
    (RESULTS / f"{args.out}.json").write_text(json.dumps(serial, indent=1))
    print(text)


if __name__ == "__main__":
    main()
