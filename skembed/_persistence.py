"""Saving and loading encoders without pickle.

A ``.skembed`` file is a zip archive:

``skembed.json``
    The manifest: format name and version, the skembed version that wrote it,
    the parameters, the fitted attributes (as a JSON tree whose arrays point to
    entries of the archive) and the SHA-256 of every array entry.
``skembed.json.sha256``
    SHA-256 of the manifest bytes.
``arrays/<k>.npy``
    One NumPy array per entry, read back with ``allow_pickle=False``.

Object arrays (string or mixed categories) are not stored as pickles: their
elements are split by type into plain arrays (UTF-8 bytes plus offsets for
strings, int64, float64, bool) and a per-element type code, and rebuilt as
Python ``str``, ``int``, ``float``, ``bool`` and ``bytes`` on load.

Loading parses JSON and ``.npy`` headers only; nothing in the file is imported
or executed, and every entry is checked against its checksum before use. The
checksums detect truncated and corrupted files, not a deliberate forgery (the
file carries no signature): load only files whose origin you know, as with
any model file.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import tempfile
import warnings
import zipfile
from pathlib import Path

import numpy as np

from ._codec import READ_ERRORS, Reader, Writer, corrupt
from ._validation import InvalidParameterError, validate_params
from ._values import build_lookup
from ._version import __version__

__all__ = ["FORMAT_VERSION", "load", "persistable", "save"]

# the estimator classes load() can build, by name: filled by the @persistable decorator
# on each class, so that this module never imports the estimator
ESTIMATORS: dict[str, type] = {}


def persistable(cls: type) -> type:
    """Class decorator: let :func:`load` rebuild instances of ``cls`` by its name."""
    ESTIMATORS[cls.__name__] = cls
    return cls


FORMAT_NAME = "skembed.EntityEmbeddingEncoder"
FORMAT_VERSION = 2  # 2: transform puts each embedding block in its column's place
MANIFEST = "skembed.json"
MANIFEST_CHECKSUM = "skembed.json.sha256"
_MAX_MANIFEST_BYTES = 256 * 2**20
_MAX_RATIO = 200  # largest uncompressed / compressed size of an entry accepted


def save(estimator, path) -> Path | None:
    """Write ``estimator`` to ``path`` (see :meth:`EntityEmbeddingEncoder.save`)."""
    writer = Writer()
    params = {
        name: writer.encode(value, f"parameter {name!r}")
        for name, value in estimator.get_params(deep=False).items()
    }
    fitted = {
        name: writer.encode(value, f"fitted attribute {name!r}")
        for name, value in vars(estimator).items()
        if name.endswith("_") and not name.startswith("_")
    }
    output_config = getattr(estimator, "_sklearn_output_config", None)
    manifest = {
        "format": FORMAT_NAME,
        "format_version": FORMAT_VERSION,
        "skembed_version": __version__,
        "written_with": {
            "python": platform.python_version(),
            "numpy": np.__version__,
        },
        "estimator": type(estimator).__name__,
        "params": params,
        "fitted": fitted or None,
        "output_config": writer.encode(output_config, "set_output configuration"),
        "checksums": {
            name: hashlib.sha256(data).hexdigest() for name, data in writer.arrays.items()
        },
    }
    manifest_bytes = json.dumps(manifest, indent=1, allow_nan=False).encode("utf-8")
    entries = {
        MANIFEST: manifest_bytes,
        MANIFEST_CHECKSUM: hashlib.sha256(manifest_bytes).hexdigest().encode("ascii"),
        **writer.arrays,
    }
    if hasattr(path, "write"):
        _write_zip(path, entries)
        return None
    path = Path(os.fspath(path))
    if not path.parent.is_dir():
        raise FileNotFoundError(
            f"Cannot save to {str(path)!r}: the folder {str(path.parent)!r} does not exist. "
            "Create it first, or choose another path."
        )
    # write next to the target, then rename: an interrupted save never leaves a
    # truncated file where a good one was
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent or ".")
    try:
        with os.fdopen(handle, "wb") as file:
            _write_zip(file, entries)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp made it private (0600)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return path


def _write_zip(file, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(file, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1) as zf:
        for name, data in entries.items():
            zf.writestr(name, data)


def load(path):
    """Read an encoder written by :meth:`EntityEmbeddingEncoder.save`.

    Nothing in the file is executed: the manifest is JSON and the arrays are
    ``.npy`` entries read with ``allow_pickle=False``, each checked against
    its SHA-256 checksum.

    Parameters
    ----------
    path : str, os.PathLike or binary file object
        The file to read.

    Returns
    -------
    encoder : EntityEmbeddingEncoder
        The saved encoder, fitted if it was fitted when saved; its
        ``transform`` output is bit-identical to the original's.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the file is not a skembed file, is truncated or corrupted (a
        checksum does not match), or was written by a newer skembed whose
        format this version cannot read.

    Examples
    --------
    >>> import io
    >>> import skembed
    >>> from skembed.datasets import make_categorical
    >>> X, y, _ = make_categorical(300, random_state=0)
    >>> encoder = skembed.EntityEmbeddingEncoder(max_iter=3, random_state=0).fit(X, y)
    >>> file = io.BytesIO()
    >>> encoder.save(file)
    >>> _ = file.seek(0)
    >>> loaded = skembed.load(file)
    >>> bool((loaded.transform(X) == encoder.transform(X)).all())
    True
    """
    if hasattr(path, "read"):
        source = "the file object"
        opened = _open_zip(path, source)
    else:
        source = repr(os.fspath(path))
        if not os.path.exists(path):
            raise FileNotFoundError(
                f"No skembed file at {source}: the path does not exist. Check the path "
                "passed to skembed.load."
            )
        if os.path.isdir(path):
            raise IsADirectoryError(
                f"{source} is a directory; expected a file written by EntityEmbeddingEncoder.save."
            )
        opened = _open_zip(path, source)
    with opened as archive:
        manifest = _read_manifest(archive, source)
        version = manifest.get("format_version")
        if not isinstance(version, int) or version < 1:
            raise corrupt(source, f"its format version {version!r} is not valid")
        if version > FORMAT_VERSION:
            raise ValueError(
                f"{source} was written by skembed {manifest.get('skembed_version')} in "
                f"file format {version}, but this skembed {__version__} reads formats up "
                f"to {FORMAT_VERSION}. Upgrade skembed (pip install -U skembed) to load it."
            )
        if version < 2:
            warnings.warn(
                f"{source} was written by skembed {manifest.get('skembed_version')} (file "
                "format 1), whose transform put every embedding block first and the other "
                "columns after them; this skembed puts each block in its column's place "
                "(get_feature_names_out gives the order). Reorder the columns a model trained "
                "on the old output reads, or refit.",
                UserWarning,
                stacklevel=2,
            )
        cls = ESTIMATORS.get(manifest.get("estimator"))
        if cls is None:
            raise corrupt(source, f"it holds an unknown estimator {manifest.get('estimator')!r}")
        checksums = manifest.get("checksums")
        if not isinstance(checksums, dict):
            raise corrupt(source, "its manifest has no checksums")
        reader = Reader(archive, checksums, source)
        params, fitted = manifest.get("params"), manifest.get("fitted") or {}
        if not isinstance(params, dict) or not isinstance(fitted, dict):
            raise corrupt(source, "its parameters or fitted attributes are not mappings")
        try:
            params = {name: reader.decode(value) for name, value in params.items()}
            fitted = {name: reader.decode(value) for name, value in fitted.items()}
            output_config = reader.decode(manifest.get("output_config"))
        except ValueError:
            raise
        except Exception as exc:  # noqa: BLE001 - recursion, overflow, wrong types...
            raise corrupt(source, f"its manifest is malformed ({type(exc).__name__})") from None
    unknown = sorted(set(params) - set(cls().get_params(deep=False)))
    if unknown:
        raise ValueError(
            f"{source} sets parameters {unknown} that this skembed {__version__} does not "
            f"know (written by skembed {manifest.get('skembed_version')}). Upgrade skembed "
            "to load it."
        )
    estimator = cls(**params)
    try:  # a file edited by hand must not give an encoder that fit would refuse
        validate_params(estimator)
    except InvalidParameterError as exc:
        raise ValueError(f"Cannot load {source}: {exc} Save the encoder again.") from None
    if any(not (isinstance(k, str) and k.endswith("_")) for k in fitted):
        raise corrupt(source, "its fitted attributes have invalid names")
    vars(estimator).update(fitted)
    if output_config is not None:
        estimator._sklearn_output_config = output_config
    if fitted:
        _check_fitted_state(estimator, source)
    return estimator


def _open_zip(file, source: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(file, "r")
    except READ_ERRORS as exc:
        if isinstance(exc, (FileNotFoundError, IsADirectoryError, PermissionError)):
            raise
        raise ValueError(
            f"{source} is not a skembed file, or it is truncated ({exc}). Expected a zip "
            "archive written by EntityEmbeddingEncoder.save. A joblib or pickle file must "
            "be read with joblib.load, which runs code from the file: only do that for "
            "files you trust."
        ) from None


def _read_manifest(archive: zipfile.ZipFile, source: str) -> dict:
    try:
        info = archive.getinfo(MANIFEST)
        if info.file_size > _MAX_MANIFEST_BYTES:
            raise corrupt(source, f"its manifest is {info.file_size} bytes, too large")
        data = archive.read(MANIFEST)
        expected = archive.read(MANIFEST_CHECKSUM).decode("ascii", "replace").strip()
    except KeyError:
        raise ValueError(
            f"{source} is a zip archive but not a skembed file: it has no {MANIFEST}. "
            "Expected a file written by EntityEmbeddingEncoder.save."
        ) from None
    except READ_ERRORS as exc:
        raise corrupt(source, f"its manifest cannot be read ({exc})") from None
    if hashlib.sha256(data).hexdigest() != expected:
        raise corrupt(source, "its manifest does not match its checksum")
    try:
        manifest = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise corrupt(source, f"its manifest is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise corrupt(source, f"its manifest does not declare the {FORMAT_NAME} format")
    return manifest


def _check_fitted_state(encoder, source: str) -> None:
    """Shapes of the loaded tables agree with each other (a consistent file)."""
    try:
        tables = encoder.embeddings_
        needed = ("categories_", "infrequent_categories_", "continuous_mean_",
                  "continuous_scale_", "categorical_columns_", "continuous_columns_")  # fmt: skip
        consistent = all(hasattr(encoder, name) for name in needed) and (
            len(tables) == len(encoder.categories_) == len(encoder.embedding_dims_)
            and len(encoder.categorical_columns_) == len(tables)
            and all(
                t.ndim == 2
                and t.dtype == np.float32
                and t.shape == (len(c) + 2 + b, d)
                and np.isfinite(t).all()
                for t, c, d, b in zip(
                    tables,
                    encoder.categories_,
                    encoder.embedding_dims_,
                    getattr(encoder, "hash_buckets_", None) or [0] * len(tables),
                )
            )
            and len(encoder.categorical_columns_) + len(encoder.continuous_columns_)
            == encoder.n_features_in_
        )
    except Exception:  # noqa: BLE001 - wrong types anywhere mean an inconsistent file
        consistent = False
    if not consistent:
        raise corrupt(source, "its embedding tables do not match its categories")
    for i, categories in enumerate(encoder.categories_):
        if not build_lookup(np.asarray(categories)).is_unique:
            raise corrupt(source, f"categories_[{i}] holds the same category twice")
