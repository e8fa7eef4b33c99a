"""Section 2: ``transform`` rows/s of the encoder, ``OrdinalEncoder`` and
``TargetEncoder`` on pandas string columns.
"""

from __future__ import annotations

import gc

import numpy as np

from .._common import Timer

TRANSFORMERS = ("EntityEmbeddingEncoder", "OrdinalEncoder", "TargetEncoder")


def fit_transformer(name: str, X, y, device: str):
    """Fit one of TRANSFORMERS on the whole frame; returns (estimator, fit seconds)."""
    from sklearn.preprocessing import OrdinalEncoder, TargetEncoder

    from skembed import EntityEmbeddingEncoder

    with Timer() as t:
        if name == "EntityEmbeddingEncoder":  # one epoch: only the transform is timed
            est = EntityEmbeddingEncoder(max_iter=1, device=device, random_state=0).fit(X, y)
        elif name == "OrdinalEncoder":
            est = OrdinalEncoder().fit(X)
        else:
            est = TargetEncoder().fit(X, y)
    return est, t.seconds


def time_transforms(X, y, device: str, repeats: int) -> dict:
    results = {}
    for name in TRANSFORMERS:
        est, fit_s = fit_transformer(name, X, y, device)
        # the first call also pays for getting fresh memory from the OS for the output
        # (slow on some VMs); it is reported on its own and not among the repeats
        gc.collect()
        with Timer() as t_first:
            out = est.transform(X)
        del out
        times = []
        for _ in range(repeats):
            gc.collect()
            with Timer() as t:
                out = est.transform(X)
            times.append(t.seconds)
        median, best = float(np.median(times)), min(times)
        results[name] = {
            "fit_s": fit_s,
            "first_call_s": t_first.seconds,
            "transform_s_all": times,
            "transform_s_median": median,
            "transform_s_best": best,
            # the fastest repeat: the least disturbed by other work on the machine
            "rows_per_s": len(X) / best,
            "rows_per_s_median": len(X) / median,
            "output_shape": list(out.shape),
            "output_dtype": str(out.dtype),
            "output_bytes": int(out.nbytes),
            "output_gb_per_s": out.nbytes / best / 1e9,
        }
        del out
    return results
