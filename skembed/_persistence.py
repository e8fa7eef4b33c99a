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
import io
import json
import math
import os
import platform
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from ._files import frame_from_parts, frame_parts, is_pandas_object

__all__ = ["FORMAT_VERSION", "load", "save"]

FORMAT_NAME = "skembed.EntityEmbeddingEncoder"
FORMAT_VERSION = 1
MANIFEST = "skembed.json"
MANIFEST_CHECKSUM = "skembed.json.sha256"
_MAX_MANIFEST_BYTES = 256 * 2**20
_MAX_RATIO = 200  # largest uncompressed / compressed size of an entry accepted

# element types of object arrays
_STR, _INT, _FLOAT, _BOOL, _BYTES, _BIGINT, _NONE = range(7)
_INT64 = np.iinfo(np.int64)
# what zipfile raises on damaged archives: bad headers and CRCs (BadZipFile), cut
# data (EOFError), damaged deflate streams (zlib.error), a flipped compression-method
# field (NotImplementedError), a flipped encryption flag (RuntimeError), ...
_READ_ERRORS = (
    zipfile.BadZipFile,
    KeyError,
    zlib.error,
    EOFError,
    OSError,
    ValueError,
    NotImplementedError,
    RuntimeError,
    OverflowError,
    UnicodeDecodeError,
)


class _Writer:
    """Collects the arrays of the JSON tree as numbered ``.npy`` entries."""

    def __init__(self):
        self.arrays: dict[str, bytes] = {}

    def add(self, array: np.ndarray) -> str:
        name = f"arrays/{len(self.arrays)}.npy"
        buffer = io.BytesIO()
        np.save(buffer, np.ascontiguousarray(array), allow_pickle=False)
        self.arrays[name] = buffer.getvalue()
        return name

    def encode(self, value, where: str):
        """JSON-able form of ``value``; ``where`` names it in error messages."""
        if value is None or isinstance(value, (str, bool)):
            return value
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"kind": "float", "value": repr(value)}
        if isinstance(value, np.generic):
            array = np.asarray(value)
            if array.dtype.kind == "O":
                raise _unsupported(value, where)
            return {"kind": "scalar", "array": self.add(array.reshape(1))}
        if isinstance(value, np.ndarray):
            if value.dtype.kind == "O":
                return self.encode_objects(value, where)
            if value.dtype.kind == "V":
                raise _unsupported(value, where)
            return {"kind": "array", "array": self.add(value)}
        if isinstance(value, list):
            return [self.encode(v, f"{where}[{k}]") for k, v in enumerate(value)]
        if isinstance(value, tuple):
            return {
                "kind": "tuple",
                "items": [self.encode(v, f"{where}[{k}]") for k, v in enumerate(value)],
            }
        if isinstance(value, dict):
            return {
                "kind": "dict",
                "items": [
                    [self.encode(k, f"{where} key"), self.encode(v, f"{where}[{k!r}]")]
                    for k, v in value.items()
                ],
            }
        if isinstance(value, np.dtype):
            return {"kind": "dtype", "name": value.str}
        if isinstance(value, type):
            if value in (float, int, bool, str, complex):
                return {"kind": "builtin_type", "name": value.__name__}
            if issubclass(value, np.generic):
                return {"kind": "numpy_type", "name": np.dtype(value).str}
        if is_pandas_object(value):  # a pretrained table
            index, values, columns, name = frame_parts(value)
            return {
                "kind": "frame",
                "index": self.encode(index, f"{where} index"),
                "values": self.encode(values, f"{where} values"),
                "columns": self.encode(columns, f"{where} columns"),
                "name": self.encode(name, f"{where} index name"),
            }
        if isinstance(value, np.random.RandomState):
            name, keys, pos, has_gauss, cached = value.get_state()
            return {
                "kind": "random_state",
                "bit_generator": name,
                "keys": self.add(keys),
                "pos": int(pos),
                "has_gauss": int(has_gauss),
                "cached_gaussian": float(cached),
            }
        raise _unsupported(value, where)

    def encode_objects(self, values: np.ndarray, where: str) -> dict:
        """An object array as per-type plain arrays plus a type code per element."""
        flat = values.ravel()
        codes = np.empty(len(flat), dtype=np.uint8)
        channels: dict[int, list] = {k: [] for k in range(7)}
        for k, v in enumerate(flat):  # one pass over the distinct categories, not rows
            if v is None:
                code = _NONE
            elif isinstance(v, (bool, np.bool_)):
                code = _BOOL
            elif isinstance(v, (int, np.integer)):
                code = _INT if _INT64.min <= v <= _INT64.max else _BIGINT
            elif isinstance(v, (float, np.floating)):
                code = _FLOAT
            elif isinstance(v, str):
                code = _STR
            elif isinstance(v, bytes):
                code = _BYTES
            else:
                raise _unsupported(v, f"{where} (element {k})")
            codes[k] = code
            channels[code].append(v)
        encoded = {"kind": "objects", "shape": list(values.shape), "types": self.add(codes)}
        if channels[_STR] or channels[_BIGINT]:
            texts = channels[_STR] + [str(int(v)) for v in channels[_BIGINT]]
            encoded["str"] = self.add_blobs([t.encode("utf-8", "surrogatepass") for t in texts])
        if channels[_BYTES]:
            encoded["bytes"] = self.add_blobs([bytes(b) for b in channels[_BYTES]])
        if channels[_INT]:
            encoded["int"] = self.add(np.array([int(v) for v in channels[_INT]], np.int64))
        if channels[_FLOAT]:
            encoded["float"] = self.add(np.array(channels[_FLOAT], dtype=np.float64))
        if channels[_BOOL]:
            encoded["bool"] = self.add(np.array(channels[_BOOL], dtype=bool))
        return encoded

    def add_blobs(self, blobs: list[bytes]) -> dict:
        offsets = np.zeros(len(blobs) + 1, dtype=np.int64)
        np.cumsum([len(b) for b in blobs], out=offsets[1:])
        data = np.frombuffer(b"".join(blobs), dtype=np.uint8)
        return {"data": self.add(data), "offsets": self.add(offsets)}


class _Reader:
    """Rebuilds values from the JSON tree and the verified ``.npy`` entries."""

    def __init__(self, archive: zipfile.ZipFile, checksums: dict, source: str):
        self.archive, self.checksums, self.source = archive, checksums, source

    def array(self, name) -> np.ndarray:
        if not isinstance(name, str) or name not in self.checksums:
            raise _corrupt(self.source, f"the manifest refers to an unlisted entry {name!r}")
        info = self.archive.NameToInfo.get(name)
        if info is not None and info.file_size > _MAX_RATIO * info.compress_size + 2**20:
            raise _corrupt(self.source, f"entry {name!r} inflates suspiciously (zip bomb?)")
        try:
            data = self.archive.read(name)
        except _READ_ERRORS as exc:
            raise _corrupt(self.source, f"entry {name!r} cannot be read ({exc})") from None
        if hashlib.sha256(data).hexdigest() != self.checksums[name]:
            raise _corrupt(self.source, f"entry {name!r} does not match its checksum")
        try:
            buffer = io.BytesIO(data)
            version = np.lib.format.read_magic(buffer)
            if version == (1, 0):
                shape, _, dtype = np.lib.format.read_array_header_1_0(buffer)
            else:
                shape, _, dtype = np.lib.format.read_array_header_2_0(buffer)
            if dtype.hasobject:
                raise ValueError("it holds Python objects, which need pickle")
            if math.prod(shape) * dtype.itemsize > len(data):  # before allocating
                raise ValueError(f"its header declares {shape} {dtype}, more than the data")
            buffer.seek(0)
            return np.load(buffer, allow_pickle=False)
        except Exception as exc:  # noqa: BLE001 - any malformed entry is a corrupt file
            raise _corrupt(self.source, f"entry {name!r} is not a plain array ({exc})") from None

    def decode(self, value):
        if value is None or isinstance(value, (str, bool, int, float)):
            return value
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict) or "kind" not in value:
            raise _corrupt(self.source, f"unexpected value {value!r:.80} in the manifest")
        kind = value["kind"]
        if kind == "float":
            return float(value["value"])
        if kind == "scalar":
            return self.array(value["array"])[0]
        if kind == "array":
            return self.array(value["array"])
        if kind == "tuple":
            return tuple(self.decode(v) for v in value["items"])
        if kind == "dict":
            return {self.decode(k): self.decode(v) for k, v in value["items"]}
        if kind == "dtype":
            return np.dtype(value["name"])
        if kind == "builtin_type":
            return {"float": float, "int": int, "bool": bool, "str": str, "complex": complex}[
                value["name"]
            ]
        if kind == "numpy_type":
            return np.dtype(value["name"]).type
        if kind == "random_state":
            state = np.random.RandomState()
            state.set_state(
                (
                    value["bit_generator"],
                    self.array(value["keys"]),
                    value["pos"],
                    value["has_gauss"],
                    value["cached_gaussian"],
                )
            )
            return state
        if kind == "objects":
            return self.decode_objects(value)
        if kind == "frame":
            return frame_from_parts(
                self.decode(value["index"]),
                self.decode(value["values"]),
                self.decode(value["columns"]),
                self.decode(value["name"]),
            )
        raise _corrupt(self.source, f"unknown value kind {kind!r} in the manifest")

    def decode_objects(self, value: dict) -> np.ndarray:
        codes = self.array(value["types"])
        texts = self.blobs(value.get("str"))
        channels = {
            _STR: [t.decode("utf-8", "surrogatepass") for t in texts],
            _BYTES: self.blobs(value.get("bytes")),
            _INT: [int(v) for v in self.array(value["int"])] if "int" in value else [],
            _FLOAT: [float(v) for v in self.array(value["float"])] if "float" in value else [],
            _BOOL: [bool(v) for v in self.array(value["bool"])] if "bool" in value else [],
        }
        n_str = int((codes == _STR).sum())
        channels[_BIGINT] = [int(t) for t in channels[_STR][n_str:]]
        channels[_STR] = channels[_STR][:n_str]
        channels[_NONE] = [None] * int((codes == _NONE).sum())
        out = np.empty(len(codes), dtype=object)
        for code, items in channels.items():
            where = np.flatnonzero(codes == code)
            if len(where) != len(items):
                raise _corrupt(self.source, "an object array does not match its type codes")
            for k, item in zip(where.tolist(), items):  # per category; keeps "a\0" intact
                out[k] = item
        return out.reshape(value["shape"])

    def blobs(self, value) -> list[bytes]:
        if value is None:
            return []
        data = self.array(value["data"]).tobytes()
        offsets = self.array(value["offsets"])
        return [data[a:b] for a, b in zip(offsets[:-1], offsets[1:])]


def save(estimator, path) -> Path | None:
    """Write ``estimator`` to ``path`` (see :meth:`EntityEmbeddingEncoder.save`)."""
    from . import __version__

    writer = _Writer()
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
    from . import __version__
    from ._encoder import EntityEmbeddingEncoder

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
            raise _corrupt(source, f"its format version {version!r} is not valid")
        if version > FORMAT_VERSION:
            raise ValueError(
                f"{source} was written by skembed {manifest.get('skembed_version')} in "
                f"file format {version}, but this skembed {__version__} reads formats up "
                f"to {FORMAT_VERSION}. Upgrade skembed (pip install -U skembed) to load it."
            )
        classes = {"EntityEmbeddingEncoder": EntityEmbeddingEncoder}
        cls = classes.get(manifest.get("estimator"))
        if cls is None:
            raise _corrupt(source, f"it holds an unknown estimator {manifest.get('estimator')!r}")
        checksums = manifest.get("checksums")
        if not isinstance(checksums, dict):
            raise _corrupt(source, "its manifest has no checksums")
        reader = _Reader(archive, checksums, source)
        params, fitted = manifest.get("params"), manifest.get("fitted") or {}
        if not isinstance(params, dict) or not isinstance(fitted, dict):
            raise _corrupt(source, "its parameters or fitted attributes are not mappings")
        try:
            params = {name: reader.decode(value) for name, value in params.items()}
            fitted = {name: reader.decode(value) for name, value in fitted.items()}
            output_config = reader.decode(manifest.get("output_config"))
        except ValueError:
            raise
        except Exception as exc:  # noqa: BLE001 - recursion, overflow, wrong types...
            raise _corrupt(source, f"its manifest is malformed ({type(exc).__name__})") from None
    unknown = sorted(set(params) - set(cls().get_params(deep=False)))
    if unknown:
        raise ValueError(
            f"{source} sets parameters {unknown} that this skembed {__version__} does not "
            f"know (written by skembed {manifest.get('skembed_version')}). Upgrade skembed "
            "to load it."
        )
    estimator = cls(**params)
    if any(not (isinstance(k, str) and k.endswith("_")) for k in fitted):
        raise _corrupt(source, "its fitted attributes have invalid names")
    vars(estimator).update(fitted)
    if output_config is not None:
        estimator._sklearn_output_config = output_config
    if fitted:
        _check_fitted_state(estimator, source)
    return estimator


def _open_zip(file, source: str) -> zipfile.ZipFile:
    try:
        return zipfile.ZipFile(file, "r")
    except _READ_ERRORS as exc:
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
            raise _corrupt(source, f"its manifest is {info.file_size} bytes, too large")
        data = archive.read(MANIFEST)
        expected = archive.read(MANIFEST_CHECKSUM).decode("ascii", "replace").strip()
    except KeyError:
        raise ValueError(
            f"{source} is a zip archive but not a skembed file: it has no {MANIFEST}. "
            "Expected a file written by EntityEmbeddingEncoder.save."
        ) from None
    except _READ_ERRORS as exc:
        raise _corrupt(source, f"its manifest cannot be read ({exc})") from None
    if hashlib.sha256(data).hexdigest() != expected:
        raise _corrupt(source, "its manifest does not match its checksum")
    try:
        manifest = json.loads(data)
    except (ValueError, RecursionError) as exc:
        raise _corrupt(source, f"its manifest is not valid JSON ({exc})") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_NAME:
        raise _corrupt(source, f"its manifest does not declare the {FORMAT_NAME} format")
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
        raise _corrupt(source, "its embedding tables do not match its categories")


def _unsupported(value, where: str) -> TypeError:
    return TypeError(
        f"Cannot save {where}: values of type {type(value).__name__} ({value!r:.60}) have no "
        "pickle-free representation. Supported are None, bool, int, float, str, bytes, "
        "lists, tuples, dicts, NumPy arrays and dtypes. Replace the value (for example a "
        "callable embedding_dim by the dict of the fitted embedding_dims_), or use "
        "joblib.dump, which pickles."
    )


def _corrupt(source: str, problem: str) -> ValueError:
    return ValueError(
        f"Cannot load {source}: {problem}. The file is truncated, corrupted or was "
        "modified after it was saved; save the encoder again."
    )
