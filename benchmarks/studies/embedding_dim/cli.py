"""Command line of the study: ``python -m benchmarks.studies.embedding_dim``."""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from pathlib import Path

from ..._common import DEFAULT_DATA_DIR
from ..._common import RESULTS_DIR as DEFAULT_OUTPUT_DIR
from . import __doc__ as STUDY_DOC
from .analysis import (
    aggregate,
    recommend,
)
from .datasets import (
    DATASET_METRICS,
    load_adult,
    load_movielens,
    shrink,
)
from .protocol import (
    downstream_models,
    encoder_params,
    kept_category_counts,
    run_one_fit,
    warm_up,
)
from .report import (
    git_state,
    jsonable,
    markdown,
    recommendation_text,
    write_atomic,
)
from .rules import (
    NO_CAP,
    RULES,
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.studies.embedding_dim", description=STUDY_DOC.split("\n")[0]
    )
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument(
        "--output-dir",
        type=Path,
        default=None,
        help="default: benchmarks/results (a temporary folder with --quick)",
    )
    parser.add_argument(
        "--report-only",
        action="store_true",
        help="re-render the markdown and recommendation from an existing embedding_dim.json",
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--rules", nargs="+", choices=list(RULES), default=list(RULES))
    parser.add_argument(
        "--datasets", nargs="+", choices=["adult", "movielens"], default=["adult", "movielens"]
    )
    parser.add_argument(
        "--max-iter",
        type=int,
        default=None,
        help="cap on the encoder's epochs (default: the encoder's default)",
    )
    parser.add_argument(
        "--hgb-max-iter",
        type=int,
        default=None,
        help="cap on the boosting iterations (default: sklearn's default)",
    )
    parser.add_argument(
        "--threads", type=int, default=1, help="torch / BLAS / OpenMP threads (default 1)"
    )
    parser.add_argument(
        "--quick", action="store_true", help="smoke test: 3000 fit rows, 2 epochs, 1 seed, 2 rules"
    )
    args = parser.parse_args(argv)

    if not args.data_dir.is_dir():
        print(f"data directory {args.data_dir} not found; pass --data-dir", file=sys.stderr)
        return 2
    if args.quick:
        args.seeds, args.max_iter, args.hgb_max_iter = args.seeds[:1], 2, 20
        if args.rules == list(RULES):
            args.rules = ["lab", "fastai50"]
    if args.output_dir is None:
        args.output_dir = (
            Path(tempfile.gettempdir()) / "skembed-embedding-dim-quick"
            if args.quick
            else DEFAULT_OUTPUT_DIR
        )
    if args.report_only:
        result = json.loads((args.output_dir / "embedding_dim.json").read_text())
        return finish(result, args.output_dir)

    import sklearn
    import torch
    from threadpoolctl import threadpool_limits

    torch.set_num_threads(args.threads)
    loaders = {"adult": load_adult, "movielens": load_movielens}
    datasets = [loaders[name](args.data_dir) for name in args.datasets]
    if args.quick:
        datasets = [shrink(d, 3000, 1000) for d in datasets]

    started = time.perf_counter()
    runs: list[dict] = []
    n_categories: dict[str, list[int]] = {}
    with threadpool_limits(limits=args.threads):
        warm_up(datasets[0], args)
        for data in datasets:
            counts = kept_category_counts(data, encoder_params(data, args))
            n_categories[data["name"]] = counts
            print(
                f"[{data['name']}] fit {len(data['y_fit'])} rows, validation "
                f"{len(data['y_val'])} rows; kept categories {counts}",
                flush=True,
            )
            for seed in args.seeds:
                cache: dict[tuple[int, ...], tuple[str, dict]] = {}
                for rule in args.rules:
                    fn = RULES[rule][0]
                    dims = tuple(min(fn(n), NO_CAP) for n in counts)
                    if dims in cache:
                        source, record = cache[dims]
                        record = {**record, "shared_fit_with": source}
                        note = f"same widths as {source}, fit shared"
                    else:
                        record = run_one_fit(data, fn, seed, args)
                        if tuple(record["embedding_dims"]) != dims:
                            raise RuntimeError(
                                f"probe predicted {dims}, fit used {record['embedding_dims']}"
                            )
                        cache[dims] = (rule, record)
                        note = f"fit {record['fit_time_s']:.1f}s, {record['n_iter']} epochs"
                    runs.append({"dataset": data["name"], "rule": rule, "seed": seed, **record})
                    scores = ", ".join(f"{k} {v:.4f}" for k, v in record["scores"].items())
                    print(
                        f"  [{time.perf_counter() - started:6.0f}s] seed {seed} {rule:>9}: "
                        f"width {record['output_width']:>4}, {scores} ({note})",
                        flush=True,
                    )
    runtime = time.perf_counter() - started

    names = [d["name"] for d in datasets]
    result = {
        "meta": {
            "date": time.strftime("%Y-%m-%d"),
            "platform": f"{platform.system()} {platform.machine()}, {os.cpu_count()} CPUs",
            "python": platform.python_version(),
            "torch": torch.__version__,
            "sklearn": sklearn.__version__,
            "threads": args.threads,
            "git": git_state(),
            "seeds": args.seeds,
            "encoder_max_iter": args.max_iter,
            "hgb_max_iter": args.hgb_max_iter,
            "quick": args.quick,
            "runtime_s": runtime,
            "rules": args.rules,
            "rule_formulas": {r: RULES[r][1] for r in args.rules},
            "datasets": names,
            "categorical": {d["name"]: d["categorical"] for d in datasets},
            "n_categories": n_categories,
            "n_fit": {d["name"]: len(d["y_fit"]) for d in datasets},
            "n_validation": {d["name"]: len(d["y_val"]) for d in datasets},
            "downstream": {
                d["name"]: {k: v[0] for k, v in downstream_models(d["task"], None).items()}
                for d in datasets
            },
            "protocol": STUDY_DOC,
        },
        "runs": runs,
        "table": aggregate(runs, datasets, args.rules),
    }
    return finish(result, args.output_dir)


def finish(result: dict, output_dir: Path) -> int:
    """Rank the rules, write the JSON and the markdown, print the report."""
    meta, table = result["meta"], result["table"]
    datasets = [
        {
            "name": name,
            "metric": DATASET_METRICS[name][0],
            "higher_is_better": DATASET_METRICS[name][1],
        }
        for name in meta["datasets"]
    ]
    rec = recommend(table, datasets, meta["rules"])
    rec["text"] = recommendation_text(rec, table, meta["datasets"])
    result["recommendation"] = rec
    output_dir.mkdir(parents=True, exist_ok=True)
    write_atomic(
        output_dir / "embedding_dim.json",
        json.dumps(jsonable(result), indent=2, allow_nan=False) + "\n",
    )
    write_atomic(output_dir / "embedding_dim.md", markdown(result))
    print()
    print(markdown(result))
    print(f"total runtime {meta['runtime_s'] / 60:.1f} min; results in {output_dir}")
    return 0
