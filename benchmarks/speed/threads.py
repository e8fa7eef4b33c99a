"""One torch thread against two for the default fit's batches, on adult (quiet machine).

Fits of exactly 4 epochs (early stopping cannot end them sooner) of the encoder on the
suite's adult task (test split, seed 0, ``continuous="scale"``), with ``n_jobs=1`` and
``n_jobs=2`` in turn, at the default batch size and at 1,024; the median of 3 fits each::

    python -m benchmarks.speed.threads      # about a minute on 2 cores

Writes ``results/threads.{json,md}``. Run it alone: another busy process makes two threads
far slower (see the training page), which is the reason for the one-thread default.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

from .._common import (
    DEFAULT_DATA_DIR,
    busy_warning,
    machine_info,
    machine_summary,
    markdown_table,
    write_results,
)
from .ratios import adult, encoder


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    info = machine_info()
    warning = busy_warning(info)
    if warning:
        print(warning)
    frame, split = adult(args.data_dir.resolve())
    X, y = split.X_train, split.y_train
    encoder(frame, max_iter=1).fit(X, y)  # warm-up
    records = []
    for batch in ["auto", 1024]:
        seconds, sizes = {1: [], 2: []}, set()
        for _ in range(args.repeats):
            for jobs in (1, 2):
                start = time.perf_counter()
                fitted = encoder(frame, max_iter=4, n_iter_no_change=10, batch_size=batch)
                fitted.set_params(n_jobs=jobs).fit(X, y)
                seconds[jobs].append(time.perf_counter() - start)
                sizes.add(int(fitted.batch_size_))
        records.append({"batch": sizes.pop(), "one_thread_s": statistics.median(seconds[1]),
                        "two_threads_s": statistics.median(seconds[2])})  # fmt: skip
        print(records[-1], flush=True)
    rows = [[r["batch"], f"{r['one_thread_s']:.2f} s", f"{r['two_threads_s']:.2f} s",
             f"{r['two_threads_s'] / r['one_thread_s']:.2f}x"] for r in records]  # fmt: skip
    markdown = "\n\n".join([
        "# One torch thread against two (adult, 4 epochs)",
        machine_summary(info) + (f"\n\n{warning}" if warning else ""),
        f"Medians of {args.repeats} fits of exactly 4 epochs each, `n_jobs=1` and `n_jobs=2` "
        "in turn. Produced by `python -m benchmarks.speed.threads`.",
        markdown_table(["batch", "one thread", "two threads", "two / one"], rows),
    ])  # fmt: skip
    write_results("threads", False, args.output, {"machine": info, "records": records}, markdown)


if __name__ == "__main__":
    main()
