"""Fused embedding tables and torch.compile: is one training step faster?

Question (from the issue): where launch overhead dominates (small networks, many
columns), does one fused embedding table with per-column offsets, instead of one
``nn.Embedding`` per column, or ``torch.compile``, make a training step faster?
Keep what the benchmark shows is faster.

Method. The time of one full training step -- forward, per-sample binary
cross-entropy weighted by a sample weight (as ``skembed._training`` computes it),
backward, optimizer step, ``zero_grad(set_to_none=True)`` -- on a pool of
pre-generated batches already on the device, for the variants:

* **A** one ``nn.Embedding`` per column: ``skembed._module.EntityEmbeddingNet`` as
  it was at commit 4fe9897 (its single-column path, copied into this script so
  the baseline does not change with the package), with the optimizers of
  ``skembed._training._Adam`` at that commit: fused
  ``torch.optim.Adam`` (weight decay 1e-3 on the MLP, none on the tables) and
  ``SparseAdam`` for tables with ``SPARSE_MIN_ROWS`` rows or more (sparse
  gradients, the constant read from ``skembed._encoder``).
* **B** grouped fused tables (defined here): the columns with the same width and
  the same sparse flag share one ``nn.Embedding`` whose rows are their tables
  stacked; one precomputed offsets tensor is added to the batch's codes, one
  lookup per group gives ``(batch, n_cols_in_group, dim)``, reshaped to
  ``(batch, n_cols_in_group * dim)``; the groups' outputs are concatenated and,
  when the groups are not already in column order, put back into column order by
  one ``index_select``. Everything after (embedding dropout, continuous inputs,
  the MLP) is A's. Same optimizers (one SparseAdam for the sparse group).
* **C** A under ``torch.compile`` (forward and loss compiled; backward through
  AOTAutograd; the optimizers stay eager). A failure to compile is caught and
  reported.
* **D** B under ``torch.compile``, likewise.
* **E** D with inductor's ``fallback_random``: the dropout masks are drawn by
  aten's ``bernoulli_`` instead of inductor's generated random numbers (slow in
  the generated C++ on the CPU, where a probe without dropout had D ahead of B).
  The masks differ from
  eager's, the distribution is the same. **F** (``--variants ... F``): C likewise.

The network is the encoder's default: MLP (128, 64) of ``Linear -> BatchNorm1d
-> ReLU -> Dropout(0.1)``, embedding dropout 0.1, one output, Adam lr 3e-3.
Before timing, B is initialised from A's tables and MLP and checked to compute
the same function: the same eval-mode output, the same training loss (same
dropout masks), and the same output after one optimizer step (``allclose``).

Shapes: "lab" (4 columns, tables of 3305, 16, 63, 92 rows, widths 7, 3, 3, 3, one
continuous input), "many_small" (26 columns of 100 rows, width 16, 13 continuous)
and "criteo_like" (26 columns with table sizes log-spaced from 10 to 1,000,000 in
a fixed shuffled order, width 16, 13 continuous; the tables with at least
``SPARSE_MIN_ROWS`` rows are sparse). Batch sizes 128 (the encoder's default) and
4096. Codes are drawn with Zipf-like frequencies (``--codes uniform`` for uniform).

Timing: each variant gets warm-up steps (the first step of a compiled variant,
which compiles, is reported as its compile time, on a fresh inductor cache unless
``--warm-cache``), then ``--rounds`` rounds run every variant in turn for a block
of about ``--block-seconds`` seconds; ms/step is the median over rounds of block
time / steps (``torch.cuda.synchronize`` around each block on a GPU). The device
is CUDA when available, else the CPU; results go to
``results/fused_tables_{cpu|cuda}.md`` and ``.json``.

Usage::

    taskset -c 1 python -m benchmarks.studies.fused_tables       # A to E, ~4.5 min on 1 core
    taskset -c 1 python -m benchmarks.studies.fused_tables --variants A B C D E F --rounds 7
                                                # as in results/fused_tables_cpu.md, ~5.5 min
    python -m benchmarks.studies.fused_tables --no-compile     # A and B only
    python -m benchmarks.studies.fused_tables --shapes lab --batch-sizes 128 --rounds 3  # smoke

Modules: ``shapes`` (the column shapes and the batches), ``networks`` (variants A and B),
``training`` (optimizers and one training step), ``timing`` (the equivalence check and the
timed steps), ``report`` (the markdown) and ``cli`` (the flags, ``main``).
"""
