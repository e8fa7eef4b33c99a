"""The table of scores per rule and the recommendation drawn from it."""

from __future__ import annotations

import math

import numpy as np

from .rules import CURRENT_RULE


def aggregate(runs: list[dict], datasets: list[dict], rules: list[str]) -> dict:
    """Mean / std over seeds per (rule, dataset, model) and per (rule, dataset)."""
    table: dict = {}
    for data in datasets:
        name = data["name"]
        table[name] = {}
        for rule in rules:
            rows = [r for r in runs if r["dataset"] == name and r["rule"] == rule]
            entry = {
                "embedding_dims": rows[0]["embedding_dims"],
                "output_width": rows[0]["output_width"],
                "fit_time_s": float(np.mean([r["fit_time_s"] for r in rows])),
                "n_iter": float(np.mean([r["n_iter"] for r in rows])),
                "scores": {},
            }
            for model in rows[0]["scores"]:
                values = np.array([r["scores"][model] for r in rows])
                entry["scores"][model] = {
                    "mean": float(values.mean()),
                    "std": float(values.std(ddof=1)) if len(values) > 1 else float("nan"),
                    "values": values.tolist(),
                }
            table[name][rule] = entry
    return table


def recommend(table: dict, datasets: list[dict], rules: list[str]) -> dict:
    cells = []
    mean_rank = dict.fromkeys(rules, 0.0)
    std_gap = dict.fromkeys(rules, 0.0)
    within_everywhere = set(rules)
    for data in datasets:
        name, sign = data["name"], (1.0 if data["higher_is_better"] else -1.0)
        for model in table[name][rules[0]]["scores"]:
            means = {r: table[name][r]["scores"][model]["mean"] for r in rules}
            stds = [table[name][r]["scores"][model]["std"] for r in rules]
            stds = [float(v) if finite(v) else np.nan for v in stds]
            noise = float(np.sqrt(np.nanmean(np.square(stds)))) if any(np.isfinite(stds)) else 0.0
            best = max(rules, key=lambda r: sign * means[r])
            order = sorted(rules, key=lambda r: -sign * means[r])
            ranks = _average_ranks([sign * means[r] for r in order])
            within = [r for r in rules if sign * (means[best] - means[r]) <= noise]
            for r, rank in zip(order, ranks):
                mean_rank[r] += rank
            within_everywhere &= set(within)
            for r in rules:
                gap = sign * (means[best] - means[r])
                std_gap[r] += gap / noise if noise > 0 else (0.0 if gap == 0 else np.nan)
            cells.append(
                {
                    "dataset": name,
                    "model": model,
                    "metric": data["metric"],
                    "best": best,
                    "best_mean": means[best],
                    "noise": noise,
                    "ranking": order,
                    "within_noise_of_best": within,
                    "gap_to_best": {r: sign * (means[best] - means[r]) + 0.0 for r in rules},
                }
            )
    n_cells = len(cells)
    mean_rank = {r: v / n_cells for r, v in mean_rank.items()}
    std_gap = {r: v / n_cells for r, v in std_gap.items()}
    total_width = {r: sum(table[d["name"]][r]["output_width"] for d in datasets) for r in rules}
    total_time = {r: sum(table[d["name"]][r]["fit_time_s"] for d in datasets) for r in rules}
    best_rank_rule = min(rules, key=lambda r: (mean_rank[r], total_width[r]))
    if within_everywhere:
        chosen = min(within_everywhere, key=lambda r: (total_width[r], total_time[r]))
        why = (
            f"{chosen!r} is within seed noise of the best rule in all {n_cells} "
            "(dataset, model) cells and is the narrowest such rule "
            f"(total output width {total_width[chosen]}, "
            f"{', '.join(sorted(within_everywhere))} qualify)."
        )
    else:
        chosen = best_rank_rule
        why = (
            "No rule is within seed noise of the best in every cell, so the rule with the "
            f"best mean rank wins (ties broken by total output width): {chosen!r} "
            f"(mean rank {mean_rank[chosen]:.2f})."
        )
    return {
        "recommended": chosen,
        "reason": why,
        "best_mean_rank": best_rank_rule,
        "mean_rank": mean_rank,
        "mean_gap_over_noise": std_gap,
        "total_output_width": total_width,
        "total_fit_time_s": total_time,
        "within_noise_everywhere": sorted(within_everywhere),
        "cells": cells,
        "current_rule": CURRENT_RULE,
    }


def _average_ranks(values_desc: list[float]) -> list[float]:
    """Ranks (1 = best) of values sorted in decreasing order, ties share the mean rank."""
    ranks, i = [0.0] * len(values_desc), 0
    while i < len(values_desc):
        j = i
        while j + 1 < len(values_desc) and values_desc[j + 1] == values_desc[i]:
            j += 1
        for k in range(i, j + 1):
            ranks[k] = (i + j) / 2 + 1
        i = j + 1
    return ranks


def finite(value) -> bool:
    return value is not None and math.isfinite(value)
