"""Would narwhals pay as the host frame adapter? The three operations fit and transform need.

``skembed._host_table.Table`` reads pandas, polars and NumPy input with each library's own
calls. narwhals offers one API over pandas, polars, pyarrow and Modin. This study times,
on adult (48,842 rows; 8 categorical and 6 numeric columns) as a pandas and as a polars
frame, both ways of doing what a fit and a transform do with the input:

- **detect**: which columns are categorical (``categorical_features="auto"``);
- **continuous**: every numeric column as float64 with NaN for missing values;
- **factorize**: every categorical column as integer codes into its distinct values.
  narwhals has no factorize: its route is ``to_numpy()`` then pandas' hash factorize,
  which is what ``Table`` does for polars already; the alternative that stays inside
  narwhals (distinct values, then a join to number them) is timed too.

Usage::

    pip install narwhals            # not a dependency of skembed
    python -m benchmarks.studies.narwhals_frames   # ~1 min; results/narwhals_frames.{json,md}
"""

from __future__ import annotations

import argparse
import timeit

import numpy as np
import pandas as pd

from .._common import (
    DEFAULT_DATA_DIR,
    machine_info,
    machine_summary,
    markdown_table,
    write_results,
)


def load(data_dir) -> pd.DataFrame:
    frame = pd.read_parquet(data_dir / "adult.parquet")
    return frame.drop(columns=[c for c in frame.columns if c in ("income", "class", "target")])


def ours(frame):
    """The three operations through ``skembed``'s own adapter."""
    from skembed._tables import as_table

    table = as_table(frame)
    mask = table.auto_categorical()
    return {
        "detect": lambda: table.auto_categorical(),
        "continuous": lambda: [table.continuous(j) for j in np.flatnonzero(~mask)],
        "factorize": lambda: [table.factorize(j) for j in np.flatnonzero(mask)],
    }


def through_narwhals(frame):
    """The same through narwhals (``factorize``: to NumPy, then pandas' factorize)."""
    import narwhals as nw

    df = nw.from_native(frame, eager_only=True)

    def is_categorical(dtype) -> bool:
        return dtype in (nw.String, nw.Categorical, nw.Enum, nw.Boolean) or dtype == nw.Object

    def detect():
        return np.array([is_categorical(dtype) for dtype in df.schema.values()])

    mask = detect()
    names = list(df.columns)
    categorical = [names[j] for j in np.flatnonzero(mask)]
    numeric = [names[j] for j in np.flatnonzero(~mask)]

    def continuous():
        return [df.get_column(c).cast(nw.Float64).to_numpy() for c in numeric]

    def factorize():
        return [
            pd.factorize(df.get_column(c).to_numpy(), use_na_sentinel=True) for c in categorical
        ]

    def factorize_join():  # staying inside narwhals: distinct values, numbered, joined back
        out = []
        for c in categorical:
            column = df.select(c)
            uniques = column.unique().drop_nulls().with_row_index("code")
            joined = column.with_row_index("row").join(uniques, on=c, how="left").sort("row")
            out.append(joined.get_column("code").to_numpy())
        return out

    return {
        "detect": detect,
        "continuous": continuous,
        "factorize": factorize,
        "factorize (join)": factorize_join,
    }


def best_of(function, repeat: int) -> float:
    return min(timeit.repeat(function, number=1, repeat=repeat))


def run(data_dir, repeat: int) -> list[dict]:
    import polars as pl

    pandas_frame = load(data_dir)
    frames = {"pandas": pandas_frame, "polars": pl.from_pandas(pandas_frame)}
    records = []
    for kind, frame in frames.items():
        mine, theirs = ours(frame), through_narwhals(frame)
        for operation, function in theirs.items():
            base = mine.get(operation.split(" ")[0])
            records.append(
                {
                    "frame": kind,
                    "operation": operation,
                    "skembed_s": best_of(base, repeat),
                    "narwhals_s": best_of(function, repeat),
                }
            )
    return records


def render(records: list[dict], info: dict) -> str:
    rows = [
        [r["frame"], r["operation"], f"{r['skembed_s'] * 1e3:.2f} ms",
         f"{r['narwhals_s'] * 1e3:.2f} ms", f"{r['narwhals_s'] / r['skembed_s']:.2f}x"]
        for r in records
    ]  # fmt: skip
    table = markdown_table(
        ["frame", "operation", "skembed's adapter", "through narwhals", "narwhals / skembed"],
        rows,
        ["l", "l", "r", "r", "r"],
    )
    return (
        "# narwhals as the host frame adapter?\n\n"
        f"{machine_summary(info)}\n\n"
        "adult (48,842 rows, 8 categorical and 6 numeric columns), best of the repeats; "
        "protocol in `benchmarks/studies/narwhals_frames.py`.\n\n" + table + "\n"
    )


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data-dir", type=lambda p: __import__("pathlib").Path(p),
                        default=DEFAULT_DATA_DIR)  # fmt: skip
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    info = machine_info()
    records = run(args.data_dir, args.repeat)
    write_results("narwhals_frames", False, args.output, {"machine": info, "records": records},
                  render(records, info))  # fmt: skip


if __name__ == "__main__":
    main()
