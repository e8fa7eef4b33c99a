"""Training steps on the CPU: the flat table against one shared table per width.

The network keeps every dense single column's table in one 1-D parameter and gathers a
batch's vectors of all of them at once (``skembed._net_tables.FlatTable``). The design
before it stacked the columns of each width in one ``nn.Embedding``: a lookup per width,
then a concatenation and a reordering into column order, and one backward kernel and one
optimiser tensor per width. This rebuilds that design around the same MLP (same weights,
same dropout) and times whole training steps (forward, loss, backward, fused Adam), each
design in turn, with one torch thread::

    python -m benchmarks.speed.flat_tables      # about a minute

Writes ``results/flat_tables.{json,md}``.
"""

from __future__ import annotations

import argparse
import statistics
import time

from .._common import machine_info, machine_summary, markdown_table, write_results

# (name, table sizes, widths, continuous inputs, batch)
SHAPES = [
    ("adult", [11, 18, 9, 17, 8, 7, 4, 44], [3, 4, 2, 4, 2, 2, 2, 6], 6, 274),
    ("adult", [11, 18, 9, 17, 8, 7, 4, 44], [3, 4, 2, 4, 2, 2, 2, 6], 6, 549),
    ("26 small columns", [30 + 7 * k for k in range(26)], [2 + k % 7 for k in range(26)], 13, 128),
    ("4 columns", [1000, 500, 50, 10], [16, 12, 5, 3], 4, 1024),
]
ROWS = 20_000


def per_width_tables(net):
    """The network's embedding part as one ``nn.Embedding`` per width (the earlier design)."""
    import torch
    from torch import nn

    single = list(range(len(net.table_sizes)))
    widths = list(dict.fromkeys(net.embedding_dims))
    groups = [[k for k in single if net.embedding_dims[k] == w] for w in widths]
    order = [k for group in groups for k in group]
    tables = nn.ModuleList()
    offsets = []
    for group in groups:
        rows = [net.slot(k).view().detach() for k in group]
        tables.append(nn.Embedding.from_pretrained(torch.cat(rows), freeze=False))
        starts = torch.tensor([0] + [len(r) for r in rows[:-1]]).cumsum(0).tolist()
        offsets += starts
    position, start = {}, 0
    for k in order:
        position[k] = start
        start += net.embedding_dims[k]
    feature_order = [position[k] + j for k in single for j in range(net.embedding_dims[k])]
    bounds = torch.tensor([0] + [len(g) for g in groups]).cumsum(0).tolist()

    class PerWidth(nn.Module):
        def __init__(self):
            super().__init__()
            self.tables = tables
            self.register_buffer("code_order", torch.tensor(order))
            self.register_buffer("row_offsets", torch.tensor(offsets))
            self.register_buffer("feature_order", torch.tensor(feature_order))

        def forward(self, codes, continuous):
            codes = codes.index_select(1, self.code_order) + self.row_offsets
            parts = [
                table(codes[:, bounds[g] : bounds[g + 1]]).flatten(1)
                for g, table in enumerate(self.tables)
            ]
            hidden = torch.cat(parts, 1).index_select(1, self.feature_order)
            hidden = torch.cat([net.embedding_dropout(hidden), continuous], 1)
            return net.mlp(hidden)

    return PerWidth()


def stepper(model, tables, weights, codes, continuous, target, batch):
    """A function running one epoch of training steps of ``model``."""
    import torch
    import torch.nn.functional as F

    optimizer = torch.optim.Adam(
        [{"params": weights, "weight_decay": 1e-3}, {"params": tables, "lr": 3e-2}],
        lr=3e-3, fused=True,
    )  # fmt: skip
    n = codes.shape[0]

    def epoch():
        for start in range(0, n - 1, batch):
            rows = slice(start, start + batch)
            out = model(codes[rows], continuous[rows])[:, 0]
            loss = F.binary_cross_entropy_with_logits(out, target[rows])
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()

    return epoch


def measure(sizes, dims, n_continuous, batch, repeats):
    """Milliseconds per step of each design: medians of ``repeats`` epochs, in turn."""
    import torch

    from skembed._module import EntityEmbeddingNet

    generator = torch.Generator().manual_seed(0)
    codes = torch.stack([torch.randint(0, s, (ROWS,), generator=generator) for s in sizes], 1)
    continuous = torch.randn(ROWS, n_continuous, generator=generator)
    target = (torch.rand(ROWS, generator=generator) < 0.25).float()
    epochs = {}
    for design in ["flat", "per width"]:
        torch.manual_seed(0)
        net = EntityEmbeddingNet(sizes, dims, n_continuous, (128, 64), 1, 0.1, 0.1).train()
        net.use_generator(torch.Generator().manual_seed(1))
        weights = list(net.mlp.parameters())
        if design == "flat":
            model, tables = (lambda c, x, net=net: net(c, x)), [t.weight for t in net.tables]
        else:
            model = per_width_tables(net).train()
            tables = [t.weight for t in model.tables]
        epochs[design] = stepper(model, tables, weights, codes, continuous, target, batch)
    times = {design: [] for design in epochs}
    for epoch in epochs.values():  # warm-up
        epoch()
    for _ in range(repeats):
        for design, epoch in epochs.items():
            start = time.perf_counter()
            epoch()
            times[design].append(time.perf_counter() - start)
    steps = -(-(ROWS - 1) // batch)
    return {design: statistics.median(t) / steps * 1e3 for design, t in times.items()}


def main(argv=None) -> None:
    import torch

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--output", default=None)
    args = parser.parse_args(argv)
    torch.set_num_threads(1)
    records = []
    for name, sizes, dims, n_continuous, batch in SHAPES:
        ms = measure(sizes, dims, n_continuous, batch, args.repeats)
        records.append({
            "shape": name, "columns": len(sizes), "widths": len(set(dims)), "batch": batch,
            "flat_ms": ms["flat"], "per_width_ms": ms["per width"],
            "speedup": ms["per width"] / ms["flat"],
        })  # fmt: skip
        print(records[-1], flush=True)
    info = machine_info()
    rows = [
        [r["shape"], r["columns"], r["widths"], r["batch"], f"{r['per_width_ms']:.2f}",
         f"{r['flat_ms']:.2f}", f"{r['speedup']:.2f}x"]
        for r in records
    ]  # fmt: skip
    headers = ["shape", "columns", "widths", "batch", "per width ms/step", "flat ms/step", "gain"]
    markdown = "\n\n".join([
        "# Training steps: the flat table against one table per width (CPU, one thread)",
        machine_summary(info),
        "Medians of the epochs' milliseconds per step (forward, loss, backward, fused Adam), "
        f"{args.repeats} epochs of {ROWS:,} rows per design, in turn. MLP (128, 64) with batch "
        "norm and dropout 0.1 as the defaults. Produced by "
        "`python -m benchmarks.speed.flat_tables`.",
        markdown_table(headers, rows),
    ])  # fmt: skip
    payload = {"machine": info, "records": records}
    write_results("flat_tables", False, args.output, payload, markdown)


if __name__ == "__main__":
    main()
