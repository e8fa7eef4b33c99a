"""Where ``transform``'s output goes: scikit-learn's ``set_output``, a device container, Dask.

:func:`route_outputs` is a class decorator, visible at the estimator's definition. It
wraps ``transform`` and ``fit_transform`` *outside* scikit-learn's ``set_output``
wrapper (which ``__init_subclass__`` adds when the class is created): NumPy results go
through that wrapper as usual; a torch tensor, CuPy array or cuDF DataFrame
(``output_type``) bypasses it and is returned as such; a Dask DataFrame input gives a
lazy Dask DataFrame (the wrapper would try to collect it into one pandas frame).
:func:`route_fit` sends ``fit`` to the in-memory or the Dask fit the same way.
"""

from __future__ import annotations

import functools

from sklearn.utils.validation import check_is_fitted

from ._containers import device_kind, is_dask_collection
from ._cross_fit import fold_assignment
from ._fit_memory import fit_in_memory
from ._output import deliver, output_kind
from ._validation import all_or_nothing, validate_params

__all__ = ["deliver_output", "route_fit", "route_outputs"]


def route_fit(encoder, X, y, sample_weight, partial=None, groups=None) -> None:
    """Fit ``encoder`` in memory or on Dask partitions; if that raises, nothing changes.

    ``partial`` (:class:`~skembed._warm_start.PartialFit`): a ``partial_fit`` call.
    ``groups``: for a ``cv`` splitting by groups (``fit_transform``).
    """
    encoder.__dict__.pop("_device_tables", None)  # device copies of the old tables
    if not is_dask_collection(X):
        validate_params(encoder)  # before cv draws any folds
        folds = fold_assignment(encoder, y, groups, partial is not None, sample_weight)
        all_or_nothing(encoder, fit_in_memory, encoder, X, y, sample_weight, partial, folds)
        return
    if partial is not None:
        raise ValueError(
            "partial_fit takes batches in memory (pandas, polars, NumPy, device arrays), "
            "not a Dask collection; fit a Dask DataFrame with fit, which streams its "
            "partitions, or pass its partitions one by one (partition.compute())."
        )
    from ._dask import fit_dask

    all_or_nothing(encoder, fit_dask, encoder, X, y, sample_weight)


def deliver_output(encoder, out, X):
    """``out`` (NumPy, or a tensor on a device) as the container ``output_type`` asks."""
    import numpy as np

    kind = output_kind(encoder.output_type, device_kind(X))
    if kind == "numpy" and isinstance(out, np.ndarray):
        return out
    names = encoder.get_feature_names_out() if kind == "cudf" else None
    return deliver(out, kind, names, X)


def route_outputs(cls: type) -> type:
    """Class decorator: route ``cls.transform`` and ``cls.fit_transform`` (see module doc)."""
    for name in ("transform", "fit_transform"):
        setattr(cls, name, _routed(getattr(cls, name)))
    return cls


def _routed(method):
    fit_transform = method.__name__ == "fit_transform"
    unwrapped = getattr(method, "__wrapped__", method)  # without set_output's wrapper

    @functools.wraps(method)
    def routed(self, X, *args, **kwargs):
        if not is_dask_collection(X):
            if output_kind(self.output_type, device_kind(X)) == "numpy":
                return method(self, X, *args, **kwargs)
            return unwrapped(self, X, *args, **kwargs)
        from ._dask import transform_dask

        if self.output_type != "input":
            raise ValueError(
                f"output_type={self.output_type!r} does not apply to Dask input: transform "
                "returns a lazy Dask DataFrame. Use output_type='input' and convert the "
                "computed partitions."
            )
        if fit_transform:
            self.fit(X, *args, **kwargs)
        else:
            check_is_fitted(self, "embeddings_")
        return transform_dask(self, X)

    return routed
