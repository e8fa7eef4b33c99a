"""Dropout masks on the CPU: ``bernoulli_`` against a uniform draw compared in place.

A training step of the default network draws three dropout masks (the embeddings, then
each hidden layer). This times the whole dropout of one batch, mask and product, both
ways, from a seeded generator of the fit's own, with one torch thread::

    python -m benchmarks.speed.dropout_masks     # a few seconds

Writes ``results/dropout_masks.{json,md}``.
"""

from __future__ import annotations

import argparse
import time

from .._common import machine_info, machine_summary, markdown_table, write_results

SHAPES = [(128, 31), (128, 128), (128, 64), (1024, 128)]
P = 0.1


def bernoulli(x, generator):
    noise = x.new_empty(x.shape).bernoulli_(1.0 - P, generator=generator)
    noise.div_(1.0 - P)
    return x * noise


def uniform_compare(x, generator):
    noise = x.new_empty(x.shape).uniform_(generator=generator)
    return x * noise.ge_(P).mul_(1.0 / (1.0 - P))


def best_of(function, x, generator, repeats: int = 7, calls: int = 400) -> float:
    """Best mean microseconds per call over ``repeats`` runs of ``calls`` calls."""
    for _ in range(50):
        function(x, generator)
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        for _ in range(calls):
            function(x, generator)
        best = min(best, (time.perf_counter() - start) / calls * 1e6)
    return best


def main(argv=None) -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    generator = torch.Generator().manual_seed(0)
    records = []
    for shape in SHAPES:
        x = torch.randn(*shape)
        old = best_of(bernoulli, x, generator)
        new = best_of(uniform_compare, x, generator)
        records.append({"shape": list(shape), "bernoulli_us": old, "uniform_us": new})
    info = machine_info()
    rows = [
        (f"{r['shape'][0]} x {r['shape'][1]}", f"{r['bernoulli_us']:.1f}",
         f"{r['uniform_us']:.1f}", f"{r['bernoulli_us'] / r['uniform_us']:.2f}x")
        for r in records
    ]  # fmt: skip
    text = "\n\n".join([
        "# Dropout masks on the CPU (one torch thread)",
        machine_summary(info),
        f"Best of 7 runs of 400 calls; p = {P}. Produced by "
        "`python -m benchmarks.speed.dropout_masks`.",
        markdown_table(["batch x width", "bernoulli_ (us)", "uniform >= p (us)", "speed-up"],
                       rows, "lrrr"),
    ]) + "\n"  # fmt: skip
    write_results("dropout_masks", False, args.output, {"machine": info, "records": records}, text)


if __name__ == "__main__":
    main()
