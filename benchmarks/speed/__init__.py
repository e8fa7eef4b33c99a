"""Speed benchmark: training throughput, transform throughput and peak memory.

1. Training. Synthetic data shaped like the "seed lab" problem: 2,461,697 rows, four
   categorical columns with 3303, 14, 61 and 90 categories drawn with Zipf-like
   (skewed) frequencies, one continuous column and a binary target computed from
   them. The lab's network -- embeddings of width 7, 3, 3, 3, an MLP of 200 and 70
   units, batches of 1000 rows, Adam -- is trained twice in the same process:

   * by ``EntityEmbeddingEncoder.fit`` configured as that network, and
   * by a plain PyTorch loop over the *same* module (``skembed._module.
     EntityEmbeddingNet`` with the same arguments, so the arithmetic per batch is
     identical) fed by a per-item ``torch.utils.data.Dataset`` (``__getitem__``
     returns the tensors of one row) and ``DataLoader(batch_size=1000,
     shuffle=True)``.

   Rates are rows per second of one training epoch, preprocessing excluded: the
   encoder is fitted with ``max_iter=1`` and with ``max_iter=1+k``; the difference
   divided by ``k`` is the time of an epoch, and what is left of the 1-epoch fit is
   the setup (validation, factorizing, moving data to the device, building the
   network) reported separately. The per-item DataLoader is slow, so it is timed on
   a subset of batches after a few warm-up batches and extrapolated to a whole epoch.
   The two are timed in alternating rounds (``--rounds``, default 3: encoder, then
   DataLoader, three times) and the round with the median ratio is reported, so that
   a drift of the machine's speed over minutes (up to 2x on a shared VM) affects both
   sides of a ratio alike.
   Target: the encoder is at least 3x faster on CPU (50x on a CUDA GPU).
   The encoder's default settings (``EntityEmbeddingEncoder()``) are timed on the
   same data as well.

2. Transform. 1,000,000 rows of pandas string columns (cardinalities 10, 1000 and
   100000): rows/s and output GB/s of ``EntityEmbeddingEncoder.transform`` against
   ``OrdinalEncoder.transform`` and ``TargetEncoder.transform``. Target: the
   encoder's transform is at least as fast (rows/s) as OrdinalEncoder's.

3. Peak memory (RSS) of fit and transform, each measured in a fresh subprocess;
   the peak CUDA memory as well when training runs on a GPU.

4. GPU figures, measured only when CUDA is available (and ``--device`` is not
   ``cpu``); otherwise the results say "not measured". The data is already on the
   device: X is one float32 CUDA tensor (``torch.as_tensor(matrix, device="cuda")``;
   category codes are stored as float32 values, exact below 2**24, next to the
   continuous columns) and y an int64 CUDA tensor, so neither fit nor transform
   copies rows from the host. Two shapes:

   * the lab shape above as a matrix (4 code columns, then the continuous one),
     with the encoder's default network (``categorical_features=[0, 1, 2, 3]``);
   * a Criteo-like shape (``make_criteo_like``): 10,000,000 rows, 26 categorical
     columns with cardinalities log-spaced from 10 to 1,000,000 and Zipf-skewed
     codes, 13 lognormal continuous columns and a binary target depending on four
     categorical and two continuous columns; ``embedding_dim=16`` for every column,
     default network otherwise (``--quick``: 1,000,000 rows).

   Training: rows/s per epoch by the same epoch difference as in section 1
   (``early_stopping=False``), with ``torch.cuda.synchronize()`` around the fits, at
   batch sizes 128 (the CPU default for small data), 1024, 8192 and 65536, and with
   ``mixed_precision="bf16"`` at the largest batch; the peak CUDA memory allocated
   (``torch.cuda.max_memory_allocated``, input tensors included) is recorded.
   Transform: ``transform(X_cuda)`` on the Criteo-like matrix (output a float32 CUDA
   tensor: the output follows the input), synchronized, fastest of 3 calls after a
   warm-up call; GB/s = (bytes of X read + bytes of the output written) / seconds.
   Next to it the device's memory bandwidth: the rate of a 2 GiB device-to-device
   ``dst.copy_(src)`` (read + write bytes), and the theoretical peak
   ``2 * memory clock * bus width / 8`` where torch exposes those properties.
   Targets: training at least 100M rows/s per epoch on an H100 for the default
   network with the data on the device (the fastest batch size counts, and is
   named); transform at least 70% of the measured copy bandwidth.
   ``--gpu-smoke`` runs this section's code on the CPU with torch CPU tensors and
   20,000 rows (a check of the code path, not a measurement; results/
   speed_gpu_smoke.*); ``--gpu-only`` runs only this section (results/speed_gpu.*).

Usage::

    python -m benchmarks.speed              # full run (about 5-15 min on 2 cores)
    python -m benchmarks.speed --quick      # smoke run on 200k rows, results/speed_quick.json
    python -m benchmarks.speed --gpu-only   # only the GPU figures, results/speed_gpu.json
    python -m benchmarks.speed --gpu-smoke  # GPU code path on the CPU, tiny sizes

Modules: ``workloads`` (the data shapes and the encoders configured for them),
``training`` (section 1), ``transform`` (section 2), ``memory`` (section 3),
``gpu_timing`` and ``gpu`` (section 4), ``report`` (the markdown and the PASS/FAIL
lines), ``runner`` (the run of the sections) and ``cli`` (the flags, ``main``).
"""
