"""skembed's benchmarks: a package of scripts, not part of the installed ``skembed``.

Run each from the repository root as a module (``--help`` lists its flags); each prints
its tables and writes them to ``benchmarks/results/`` (``<name>.json`` and ``<name>.md``).
Most take ``--quick`` for a smoke run on subsamples, written to ``<name>_quick.*``, which
git ignores::

    python -m benchmarks.quality      # test-split quality of every encoder, four models
    python -m benchmarks.leakage      # in-sample against cross-fitted embeddings
    python -m benchmarks.suite        # 14 real datasets against the classic encoders
    python -m benchmarks.lodo         # leave-one-dataset-out choice from suite runs
    python -m benchmarks.speed        # training and transform rows/s, memory, GPU figures
    python -m benchmarks.huge_vocab   # a million-id column: sparse against dense updates
    python -m benchmarks.dask_scale   # 20,000,000 rows through Dask

One-off studies behind the encoder's defaults, in ``benchmarks.studies``::

    python -m benchmarks.studies.tune_defaults   # the search that chose the defaults
    python -m benchmarks.studies.embedding_dim   # rules for the width of the tables
    python -m benchmarks.studies.fused_tables    # one table per width against one per column
    python -m benchmarks.studies.batch_size      # quality at batch sizes 128 to 8,192

``_common`` holds what they share: machine information, JSON and markdown output,
timers and peak memory. ``quality``, ``speed``, ``studies.embedding_dim`` and
``studies.fused_tables`` are packages of one module per concern. Those that read real
datasets find them in ``../shared/datasets`` next to the repository root (or
``--data-dir``); install the extras with ``pip install -e ".[benchmark]"``.
"""
