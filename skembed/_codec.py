"""The pickle-free codec of ``.skembed`` files: Python values <-> a JSON tree plus arrays.

Object arrays (string or mixed categories) are not stored as pickles: their
elements are split by type into plain arrays (UTF-8 bytes plus offsets for
strings, int64, float64, bool) and a per-element type code, and rebuilt as
Python ``str``, ``int``, ``float``, ``bool`` and ``bytes`` on load. Reading
parses ``.npy`` headers only (``allow_pickle=False``) and checks every entry
against its checksum before use.
"""

from __future__ import annotations

import hashlib
import io
import math
import zipfile
import zlib

import numpy as np

from ._files import frame_from_parts, frame_parts, is_pandas_object

__all__ = ["READ_ERRORS", "Reader", "Writer", "corrupt", "unsupported"]

_MAX_RATIO = 200  # largest uncompressed / compressed size of an entry accepted

# element types of object arrays
_STR, _INT, _FLOAT, _BOOL, _BYTES, _BIGINT, _NONE = range(7)
_INT64 = np.iinfo(np.int64)
# what zipfile raises on damaged archives: bad headers and CRCs (BadZipFile), cut
# data (EOFError), damaged deflate streams (zlib.error), a flipped compression-method
# field (NotImplementedError), a flipped encryption flag (RuntimeError), ...
READ_ERRORS = (
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


class Writer:
    """Collects the arrays of the JSON tree as numbered ``.npy`` entries."""

    def __init__(self):
        self.arrays: dict[str, bytes] = {}

    def add(self, array: np.ndarray) -> str:
        name = f"arrays/{len(self.arrays)}.npy"
        buffer = io.BytesIO()
        np.save(buffer, np.require(array, requirements="C"), allow_pickle=False)  # keeps 0-d
        self.arrays[name] = buffer.getvalue()
        return name

    def encode(self, value, where: str):
        """JSON-able form of ``value``; ``where`` names it in error messages."""
        if value is None or isinstance(value, (str, bool)):
            return value
        if type(value).__module__.startswith("pandas") and type(value).__name__ in (
            "Index",
            "Series",
        ):  # categorical_features=X.select_dtypes(...).columns, or a boolean mask Series
            return self.encode(value.tolist(), where)
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"kind": "float", "value": repr(value)}
        if isinstance(value, np.generic):
            array = np.asarray(value)
            if array.dtype.kind == "O":
                raise unsupported(value, where)
            return {"kind": "scalar", "array": self.add(array.reshape(1))}
        if isinstance(value, np.ndarray):
            if value.dtype.kind == "O":
                return self.encode_objects(value, where)
            if value.dtype.kind == "V":
                raise unsupported(value, where)
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
        raise unsupported(value, where)

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
                raise unsupported(v, f"{where} (element {k})")
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


class Reader:
    """Rebuilds values from the JSON tree and the verified ``.npy`` entries."""

    def __init__(self, archive: zipfile.ZipFile, checksums: dict, source: str):
        self.archive, self.checksums, self.source = archive, checksums, source

    def array(self, name) -> np.ndarray:
        if not isinstance(name, str) or name not in self.checksums:
            raise corrupt(self.source, f"the manifest refers to an unlisted entry {name!r}")
        info = self.archive.NameToInfo.get(name)
        if info is not None and info.file_size > _MAX_RATIO * info.compress_size + 2**20:
            raise corrupt(self.source, f"entry {name!r} inflates suspiciously (zip bomb?)")
        try:
            data = self.archive.read(name)
        except READ_ERRORS as exc:
            raise corrupt(self.source, f"entry {name!r} cannot be read ({exc})") from None
        if hashlib.sha256(data).hexdigest() != self.checksums[name]:
            raise corrupt(self.source, f"entry {name!r} does not match its checksum")
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
            raise corrupt(self.source, f"entry {name!r} is not a plain array ({exc})") from None

    def decode(self, value):
        if value is None or isinstance(value, (str, bool, int, float)):
            return value
        if isinstance(value, list):
            return [self.decode(v) for v in value]
        if not isinstance(value, dict) or "kind" not in value:
            raise corrupt(self.source, f"unexpected value {value!r:.80} in the manifest")
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
        raise corrupt(self.source, f"unknown value kind {kind!r} in the manifest")

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
                raise corrupt(self.source, "an object array does not match its type codes")
            for k, item in zip(where.tolist(), items):  # per category; keeps "a\0" intact
                out[k] = item
        return out.reshape(value["shape"])

    def blobs(self, value) -> list[bytes]:
        if value is None:
            return []
        data = self.array(value["data"]).tobytes()
        offsets = self.array(value["offsets"])
        return [data[a:b] for a, b in zip(offsets[:-1], offsets[1:])]


def unsupported(value, where: str) -> TypeError:
    return TypeError(
        f"Cannot save {where}: values of type {type(value).__name__} ({value!r:.60}) have no "
        "pickle-free representation. Supported are None, bool, int, float, str, bytes, "
        "lists, tuples, dicts, NumPy arrays and dtypes. Replace the value (for example a "
        "callable embedding_dim by the dict of the fitted embedding_dims_), or use "
        "joblib.dump, which pickles."
    )


def corrupt(source: str, problem: str) -> ValueError:
    return ValueError(
        f"Cannot load {source}: {problem}. The file is truncated, corrupted or was "
        "modified after it was saved; save the encoder again."
    )
