"""Helpers shared by the benchmarks: machine info, JSON output, markdown tables.

Not part of the ``skembed`` package; imported by the modules of the ``benchmarks``
package, which run from the repository root as ``python -m benchmarks.<name>``.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import platform
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

BENCHMARKS_DIR = Path(__file__).resolve().parent
REPO_ROOT = BENCHMARKS_DIR.parent
RESULTS_DIR = BENCHMARKS_DIR / "results"
DEFAULT_DATA_DIR = REPO_ROOT.parent / "shared" / "datasets"


# ------------------------------------------------------------------ machine


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.lower().startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    if sys.platform == "darwin":
        try:
            out = subprocess.run(
                ["sysctl", "-n", "machdep.cpu.brand_string"],
                capture_output=True,
                text=True,
                check=True,
                timeout=5,
            )
            return out.stdout.strip()
        except (OSError, subprocess.SubprocessError):
            pass
    return platform.processor() or platform.machine() or "unknown"


def _total_ram_bytes() -> int | None:
    try:
        import psutil

        return int(psutil.virtual_memory().total)
    except ImportError:
        pass
    try:
        return int(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES"))
    except (AttributeError, ValueError, OSError):
        return None


def _usable_cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def _git(*args: str) -> str:
    return subprocess.run(
        ["git", "-C", str(REPO_ROOT), *args],
        capture_output=True,
        text=True,
        check=True,
        timeout=5,
    ).stdout.strip()


def _git_commit() -> str | None:
    try:
        commit = _git("rev-parse", "--short", "HEAD")
        dirty = _git("status", "--porcelain", "--untracked-files=no")
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def _version(module: str) -> str | None:
    try:
        mod = __import__(module)
    except ImportError:
        return None
    return getattr(mod, "__version__", None)


def _load_average() -> list[float] | None:
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except (AttributeError, OSError):
        return None


def busy_warning(info: dict) -> str | None:
    """A warning line when other work was running as the benchmark started."""
    load = info.get("load_average_at_start")
    cores = info.get("usable_cores") or 1
    if not load or load[0] <= 0.5 * cores:
        return None
    return (
        f"WARNING: load average {load[0]:.1f} on {cores} cores at start: other work is "
        "running, so timings are noisy. torch with more than one thread can slow down "
        "10-100x when it shares cores (--threads 1 avoids that)."
    )


def machine_info() -> dict:
    """CPU, cores, RAM, GPU, library versions and the date, for the result files."""
    import torch

    ram = _total_ram_bytes()
    info = {
        "date": _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "cpu_model": _cpu_model(),
        "logical_cores": os.cpu_count(),
        "usable_cores": _usable_cores(),
        "ram_gib": round(ram / 2**30, 1) if ram else None,
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": _version("pandas"),
        "sklearn": _version("sklearn"),
        "torch": torch.__version__,
        "torch_threads": torch.get_num_threads(),
        "lightgbm": _version("lightgbm"),
        "skembed": _version("skembed"),
        "git_commit": _git_commit(),
        "load_average_at_start": _load_average(),
        "cuda_available": torch.cuda.is_available(),
        "gpu": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    return info


def machine_summary(info: dict) -> str:
    """One line describing the machine, for the printed report."""
    gpu = f", GPU {info['gpu']}" if info.get("gpu") else ", no GPU"
    return (
        f"{info['cpu_model']}, {info['usable_cores']} cores, {info['ram_gib']} GiB RAM{gpu}; "
        f"python {info['python']}, torch {info['torch']}, sklearn {info['sklearn']}, "
        f"numpy {info['numpy']}, pandas {info['pandas']}; skembed {info['skembed']} "
        f"({info['git_commit']}); {info['date']}"
    )


# --------------------------------------------------------------------- json


def _to_jsonable(obj):
    if isinstance(obj, dict):
        return {str(k): _to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_to_jsonable(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return _to_jsonable(obj.tolist())
    if isinstance(obj, np.generic):
        return _to_jsonable(obj.item())
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, Path):
        return str(obj)
    return obj


def save_json(path: Path | str, payload: dict) -> Path:
    """Write ``payload`` (NumPy scalars and arrays allowed) as indented JSON."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(path.suffix + ".tmp")
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(_to_jsonable(payload), f, indent=2)
        f.write("\n")
    os.replace(tmp, path)
    return path


def result_path(name: str, quick: bool, suffix: str = ".json") -> Path:
    """``results/<name>.json``, or ``results/<name>_quick.json`` for smoke runs."""
    return RESULTS_DIR / f"{name}{'_quick' if quick else ''}{suffix}"


# ------------------------------------------------------------------ markdown


def write_results(name: str, quick: bool, output, payload: dict, markdown: str) -> None:
    """Save ``payload`` as JSON and ``markdown`` beside it, print the markdown and the paths."""
    json_path = Path(output) if output else result_path(name, quick)
    md_path = json_path.with_suffix(".md")
    save_json(json_path, payload)
    md_path.write_text(markdown, encoding="utf-8")
    print()
    print(markdown)
    print(f"wrote {json_path} and {md_path}")


def study_main(name: str, description: str, run, render, argv=None) -> None:
    """The command line of a study over the suite's datasets: ``--data-dir``, ``--output``.

    Runs ``run(data_dir)`` with one torch thread and writes ``results/<name>.{json,md}``
    (``render(records, machine_info)`` gives the markdown).
    """
    import argparse

    import torch

    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--data-dir", type=Path, default=DEFAULT_DATA_DIR)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    info = machine_info()
    records = run(args.data_dir)
    write_results(name, False, args.output, {"machine": info, "records": records},
                  render(records, info))  # fmt: skip


def markdown_table(
    headers: Sequence[str], rows: Sequence[Sequence], align: Sequence[str] | None = None
) -> str:
    """A GitHub-flavoured markdown table; ``align`` holds "l" or "r" per column."""
    cells = [[str(h) for h in headers]] + [["" if c is None else str(c) for c in r] for r in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    align = list(align) if align is not None else ["l"] * len(headers)

    def fmt(row):
        parts = [c.rjust(w) if a == "r" else c.ljust(w) for c, w, a in zip(row, widths, align)]
        return "| " + " | ".join(parts) + " |"

    sep = (
        "|"
        + "|".join(
            ("-" * (w + 1) + ":") if a == "r" else ("-" * (w + 2)) for w, a in zip(widths, align)
        )
        + "|"
    )
    return "\n".join([fmt(cells[0]), sep] + [fmt(r) for r in cells[1:]])


def fmt_seconds(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 120:
        return f"{seconds:.1f} s"
    return f"{seconds / 60:.1f} min"


def fmt_rate(rows_per_s: float | None) -> str:
    if rows_per_s is None:
        return "—"
    if rows_per_s >= 1e6:
        return f"{rows_per_s / 1e6:.2f} M rows/s"
    if rows_per_s >= 1e3:
        return f"{rows_per_s / 1e3:.1f} k rows/s"
    return f"{rows_per_s:.0f} rows/s"


def fmt_bytes(n: float | None) -> str:
    if n is None:
        return "—"
    for unit, size in (("GiB", 2**30), ("MiB", 2**20), ("KiB", 2**10)):
        if abs(n) >= size:
            return f"{n / size:.2f} {unit}"
    return f"{n:.0f} B"


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds`` (wall clock, perf_counter)."""

    def __enter__(self):
        self.start = time.perf_counter()
        self.seconds = None
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start
        return False


# ------------------------------------------------------------------ memory


def rss_now() -> int | None:
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        import psutil

        return int(psutil.Process().memory_info().rss)
    except ImportError:
        return None


def reset_peak() -> str:
    """Reset the kernel's peak-RSS counter (Linux); name the method used for the peak."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as f:
            f.write("5")
        return "VmHWM after reset (/proc/self/clear_refs)"
    except OSError:
        return "ru_maxrss (process peak, includes data generation)"


def peak_rss(method: str) -> int | None:
    if method.startswith("VmHWM"):
        with open("/proc/self/status", encoding="ascii") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) * 1024
    try:
        import resource

        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return peak if sys.platform == "darwin" else peak * 1024
    except ImportError:
        return None


# ---------------------------------------------------------------- processes


def module_command(module: str) -> list[str]:
    """``python -m <module>`` with this interpreter: how a benchmark runs a child of itself."""
    return [sys.executable, "-m", module]


def child_env() -> dict[str, str]:
    """The environment for ``module_command``: the repository root first on PYTHONPATH.

    So that a child finds the ``benchmarks`` package whatever its working directory.
    """
    path = os.environ.get("PYTHONPATH")
    root = str(REPO_ROOT)
    return {**os.environ, "PYTHONPATH": root if not path else os.pathsep.join([root, path])}
