"""Do home and away teams gain from one shared table? ``shared_embeddings`` on Bundesliga.

The suite's Bundesliga table (14,018 matches, 52 teams, time split by season) names the
same entities in two columns. This study fits EE in the suite's ColumnTransformer mode
with a table per column (the default) and with one table for both
(``shared_embeddings=[["HomeTeam", "AwayTeam"]]``), on the validation split (inside the
training seasons) and on the test split, for 3 seeds, and scores the suite's four
downstream models (ROC AUC). Cross-fitted target encoding is shown for reference.

Usage::

    python -m benchmarks.studies.shared_tables   # ~2 min on 2 cores; writes
                                                 # results/shared_tables.{json,md}
"""

from __future__ import annotations

import argparse

import numpy as np
import torch

from .. import suite
from .._common import (
    DEFAULT_DATA_DIR,
    machine_info,
    machine_summary,
    markdown_table,
    write_results,
)

VARIANTS = {
    "separate tables": {},
    "shared table": {"shared_embeddings": [["HomeTeam", "AwayTeam"]]},
}


def run(data_dir, seeds) -> list[dict]:
    """One record per (split, seed, encoder, model)."""
    frame = suite.load_frame(suite.load_tasks(data_dir)["bundesliga"], data_dir)
    records = []
    for level in ("validation", "test"):
        for seed in seeds:
            split = suite.make_split(frame, seed, level == "validation")
            encoders = {name: ("ee", params) for name, params in VARIANTS.items()}
            encoders["target encoding"] = ("target", {})
            for name, (kind, params) in encoders.items():
                Z_train, Z_test, fit = suite.fit_encoder(
                    kind, "ct", frame, split, seed, {"n_jobs": 1, **params}
                )
                for model in suite.MODELS:
                    result = suite.run_model(model, frame.task, seed, Z_train, Z_test, split)
                    records.append(
                        {"split": level, "seed": seed, "encoder": name, "model": model,
                         "value": result["value"], "fit_s": fit["fit_transform_s"]}
                    )  # fmt: skip
                print(f"{level} seed {seed} {name}: {fit['fit_transform_s']:.1f} s")
    return records


def render(records: list[dict], info: dict) -> str:
    """Mean ± sd of ROC AUC per split, model and encoder; the shared - separate gap."""
    rows = []
    for level in ("validation", "test"):
        for model in suite.MODELS:
            cell = {}
            for name in [*VARIANTS, "target encoding"]:
                key = (level, model, name)
                values = [r["value"] for r in records
                          if (r["split"], r["model"], r["encoder"]) == key]  # fmt: skip
                cell[name] = (np.mean(values), np.std(values))
            gap = cell["shared table"][0] - cell["separate tables"][0]
            rows.append(
                [level, model] + [f"{m:.4f} ± {s:.4f}" for m, s in cell.values()] + [f"{gap:+.4f}"]
            )
    table = markdown_table(
        ["split", "model", *VARIANTS, "target encoding", "shared - separate"],
        rows,
        ["l", "l", "r", "r", "r", "r"],
    )
    return (
        "# Shared tables: Bundesliga home and away teams\n\n"
        f"{machine_summary(info)}\n\n"
        "ROC AUC of home wins (higher is better), mean ± sd over seeds 0-2; EE in the suite's "
        "ColumnTransformer mode with default parameters (one torch thread). The time split "
        "is fixed, so the seeds vary only the encoders and models.\n\n" + table + "\n"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=suite.Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--seeds", default="0,1,2")
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    info = machine_info()
    records = run(args.data_dir, [int(s) for s in args.seeds.split(",")])
    write_results("shared_tables", False, args.output, {"machine": info, "records": records},
                  render(records, info))  # fmt: skip


if __name__ == "__main__":
    main()
