"""The continuous columns: read as float64, standardized, checked to fit the output dtype.

Host input gives NumPy arrays; device input gives tensors on its device (the arithmetic
of those lives in ``_device_math``, imported only then).
"""

from __future__ import annotations

import numpy as np

__all__ = ["check_fits_dtype", "continuous_matrix", "continuous_output", "scale_columns"]


def continuous_matrix(table, columns: np.ndarray) -> np.ndarray:
    """Columns ``columns`` of ``table`` as float64, NaN for missing values.

    Shape (n_rows, len(columns)); a float64 tensor on the data's device for
    device-resident input.
    """
    if table.on_device:
        from ._device_math import stack_columns

        values = [continuous_values(table, j) for j in columns]
        return stack_columns(values, table.n_rows, table.device)
    matrix = np.empty((table.n_rows, len(columns)), dtype=np.float64)
    for out_j, j in enumerate(columns):
        matrix[:, out_j] = continuous_values(table, j)
    return matrix


def continuous_values(table, j: int) -> np.ndarray:
    """Column ``j`` as float64, or an error naming it if it is not finite numbers."""
    try:
        values = table.continuous(j)
    except (TypeError, ValueError) as exc:
        raise TypeError(
            f"Column {table.column_label(j)} is treated as continuous but holds values "
            f"that are not numbers ({exc}). List it in categorical_features to embed it."
        ) from None
    if _has_inf(values):
        raise ValueError(
            f"Continuous column {table.column_label(j)} contains infinity; expected "
            "finite numbers or missing values (NaN). Replace or clip the infinite "
            "values."
        )
    return values


def _has_inf(values) -> bool:
    if isinstance(values, np.ndarray):
        return bool(np.isinf(values).any())
    from ._device_math import has_inf

    return has_inf(values)


def scale_columns(matrix, mean: np.ndarray, scale: np.ndarray):
    """Standardized ``matrix`` (NumPy or a device tensor), missing values at 0 (the mean)."""
    if not isinstance(matrix, np.ndarray):
        from ._device_math import scale as scale_on_device

        return scale_on_device(matrix, mean, scale)
    # divide before subtracting: (1e308 - -1e308) would overflow, the z-scores do not
    with np.errstate(over="ignore"):
        scaled = matrix / scale - mean / scale
    return np.nan_to_num(scaled, nan=0.0, copy=False)


def check_fits_dtype(table, values, dtype: np.dtype, columns: np.ndarray, what: str) -> None:
    """Raise if an output column would overflow ``dtype`` to inf (``what``: how it got there)."""
    limit = np.finfo(dtype).max
    if not isinstance(values, np.ndarray):
        from ._device_math import first_beyond, too_large

        beyond = too_large(values, float(limit))
        for out_j in np.flatnonzero(beyond):
            worst = first_beyond(values, out_j, limit)
            _raise_too_large(table, worst, columns[out_j], dtype, what)
        return
    with np.errstate(invalid="ignore"):
        too_large = ~(np.abs(values) <= limit) & ~np.isnan(values)
    for out_j in np.flatnonzero(too_large.any(axis=0)):
        worst = values[too_large[:, out_j], out_j][0]
        _raise_too_large(table, worst, columns[out_j], dtype, what)


def _raise_too_large(table, worst, j: int, dtype: np.dtype, what: str):
    limit = np.finfo(dtype).max
    raise ValueError(
        f"Continuous column {table.column_label(j)} has a value that is "
        f"{worst:.3g} {what}, beyond the largest {dtype.name} ({limit:.3g}); the "
        "output would be infinite. Clip the column, or use dtype=np.float64."
    )


def continuous_output(table, columns, mean, scale, mode: str, dtype: np.dtype):
    """The continuous output columns: scaled (``mode="scale"``) or passed through, checked."""
    matrix = continuous_matrix(table, columns)
    values = scale_columns(matrix, mean, scale) if mode == "scale" else matrix
    what = "after scaling" if mode == "scale" else "as passed through"
    check_fits_dtype(table, values, dtype, columns, what)
    return values
