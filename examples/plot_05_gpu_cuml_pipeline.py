"""
A GPU pipeline: the encoder on CUDA, a cuML random forest downstream
====================================================================

The pipeline a GPU user writes. :class:`~skembed.EntityEmbeddingEncoder` trains its network
on a CUDA GPU whenever PyTorch sees one (``device="auto"``, the default), and RAPIDS cuML
provides GPU versions of scikit-learn models with the same API. The script falls back to
scikit-learn's :class:`~sklearn.ensemble.RandomForestClassifier` when cuML cannot be
imported, so it runs on any machine; it prints which pieces ran where.

What moves between the GPU and the host, as of this version of skembed:

* **Input**: with cuDF installed, the data are a cuDF DataFrame on the GPU (string columns
  are the categorical ones); without it, a pandas DataFrame. The encoder also takes CuPy
  arrays and torch tensors, and NumPy, polars and Dask input.
* **Training**: the categorical codes and the scaled continuous columns are computed on the
  device that holds the data (or copied to the GPU once, from the host); batches are cut
  there, and the loss is read back once per epoch.
* **Output**: follows the input, as in cuML -- a cuDF DataFrame for cuDF input, built on the
  GPU by a gather into device memory; NumPy float32 for host input. The forest receives it
  without a round trip through the host.
* **The fitted encoder** holds NumPy arrays only, whatever the device it trained on: it
  saves, loads and transforms on machines without a GPU.

Install the GPU pieces with ``pip install "skembed[gpu]"`` (CuPy, cuDF and cuML for CUDA 12)
next to a CUDA build of PyTorch.
"""

# %%
# Which hardware is there?
# ------------------------

import time

import matplotlib.pyplot as plt
import numpy as np
import torch
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline

from skembed import EntityEmbeddingEncoder
from skembed.datasets import load_adult_sample

try:
    import cudf
    from cuml.ensemble import RandomForestClassifier

    forest_library = "cuML (GPU)"
except ImportError:  # no RAPIDS here: the same pipeline on pandas, scikit-learn's forest
    cudf = None
    from sklearn.ensemble import RandomForestClassifier

    forest_library = "scikit-learn (CPU)"


def on_host(values):
    """A NumPy array from NumPy, pandas, CuPy or cuDF results (for scikit-learn's metrics)."""
    if hasattr(values, "to_pandas"):  # cuDF
        values = values.to_pandas()
    if type(values).__module__.startswith("cupy"):
        values = values.get()
    return np.asarray(values)


# device="auto" resolves to CUDA when torch.cuda.is_available(), else to the CPU:
if torch.cuda.is_available():
    encoder_device = f"cuda ({torch.cuda.get_device_name(0)})"
else:
    encoder_device = "cpu (torch sees no CUDA GPU)"
print(f"encoder network trains on: {encoder_device}")
print(f"random forest from:        {forest_library}")

# %%
# The pipeline
# ------------
# Nothing in it is GPU-specific: ``device="auto"`` is the encoder's default, written out
# here for clarity, and both forests take ``n_estimators`` and ``random_state``. The
# encoder's output is float32, the dtype cuML prefers.

X, y = load_adult_sample()
X_train, X_test, y_train, y_test = train_test_split(
    X, y, test_size=0.25, stratify=y, random_state=0
)
if cudf is not None:  # the data live on the GPU from here on
    X_train, X_test = cudf.from_pandas(X_train), cudf.from_pandas(X_test)
    y_train = cudf.Series(np.asarray(y_train, dtype=np.int32))
print(f"pipeline input: {type(X_train).__module__}.{type(X_train).__name__}")

pipeline = make_pipeline(
    EntityEmbeddingEncoder(device="auto", max_iter=10, random_state=0),
    RandomForestClassifier(n_estimators=100, random_state=0),
)
start = time.perf_counter()
pipeline.fit(X_train, y_train)
print(f"pipeline fitted in {time.perf_counter() - start:.1f} s")

# %%
# cuML returns predictions in the input's container (cuDF here); they come to the host only
# for scikit-learn's metric:

probability = on_host(pipeline.predict_proba(X_test))[:, 1]
print(f"test ROC AUC: {roc_auc_score(y_test, probability):.4f}")

encoder = pipeline[0]
Z_test = encoder.transform(X_test)
print(f"encoder output: {type(Z_test).__module__}.{type(Z_test).__name__}")

# %%
# The fitted tables are NumPy, not torch tensors on the GPU: the encoder can be saved with
# :meth:`~skembed.EntityEmbeddingEncoder.save` on the GPU machine and loaded with
# :func:`skembed.load` on a CPU-only server that does the transforms.

print({type(table).__module__ for table in encoder.embeddings_})

# %%
# The encoder records its training: the loss of every epoch on the training rows and, with
# early stopping (the default), the loss on the held-out validation rows, whose best epoch
# gave the weights kept.

fig, ax = plt.subplots(figsize=(6, 3.5))
epochs = range(1, len(encoder.loss_curve_) + 1)
ax.plot(epochs, encoder.loss_curve_, marker="o", label="training rows")
ax.plot(epochs, [-score for score in encoder.validation_scores_], marker="o", label="validation")
ax.axvline(encoder.best_iter_, color="gray", linestyle=":", label="best epoch, kept")
ax.set_xlabel("epoch")
ax.set_ylabel("loss (binary cross-entropy)")
ax.set_title(f"Encoder training on {encoder_device.split(' ')[0]}")
ax.legend()
fig.tight_layout()
