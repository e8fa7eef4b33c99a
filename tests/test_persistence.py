"""Pickle-free save / load: exact round trips and clear errors for bad files."""

import hashlib
import io
import json
import subprocess
import sys
import zipfile

import joblib
import numpy as np
import pandas as pd
import pytest

import skembed
from conftest import make_frame
from skembed import EntityEmbeddingEncoder
from skembed._persistence import FORMAT_VERSION, MANIFEST, MANIFEST_CHECKSUM
from skembed.datasets import load_adult_sample

FAST = dict(
    hidden_layer_sizes=(16,), max_iter=3, batch_size=64, random_state=0, min_frequency=None
)


def assert_same_value(a, b, where="value"):
    """Recursively equal, with equal types and dtypes (NaN equal to NaN)."""
    assert type(a) is type(b), f"{where}: {type(a)} != {type(b)}"
    if isinstance(a, np.ndarray):
        assert a.dtype == b.dtype and a.shape == b.shape, where
        if a.dtype.kind == "O":
            for k, (u, v) in enumerate(zip(a.ravel(), b.ravel())):
                assert_same_value(u, v, f"{where}[{k}]")
        else:
            np.testing.assert_array_equal(a, b, err_msg=where)
    elif isinstance(a, (list, tuple)):
        assert len(a) == len(b), where
        for k, (u, v) in enumerate(zip(a, b)):
            assert_same_value(u, v, f"{where}[{k}]")
    elif isinstance(a, dict):
        assert list(a) == list(b), where
        for k in a:
            assert_same_value(a[k], b[k], f"{where}[{k!r}]")
    elif isinstance(a, float) and np.isnan(a):
        assert np.isnan(b), where
    elif isinstance(a, np.random.RandomState):
        assert_same_value(a.get_state(legacy=False), b.get_state(legacy=False), where)
    else:
        assert a == b, f"{where}: {a!r} != {b!r}"


def assert_same_encoder(a, b):
    """Same parameters, same fitted attributes (types included)."""
    assert_same_value(a.get_params(), b.get_params(), "params")
    fitted = sorted(k for k in vars(a) if k.endswith("_") and not k.startswith("_"))
    assert fitted == sorted(k for k in vars(b) if k.endswith("_") and not k.startswith("_"))
    for name in fitted:
        assert_same_value(getattr(a, name), getattr(b, name), name)


@pytest.fixture(scope="module")
def fitted():
    """An encoder fitted on the bundled census sample, and its data."""
    X, y = load_adult_sample()
    X, y = X.iloc[:2000], y[:2000]
    return EntityEmbeddingEncoder(**FAST).fit(X, y), X


def test_round_trip_on_census_sample_is_bit_identical(fitted, tmp_path):
    """save / load on real data keeps every attribute and transform bit for bit."""
    encoder, X = fitted
    path = encoder.save(tmp_path / "census.skembed")
    assert path == tmp_path / "census.skembed"
    loaded = skembed.load(path)
    assert_same_encoder(encoder, loaded)
    np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))
    assert loaded.transform(X).dtype == np.float32
    assert list(loaded.get_feature_names_out()) == list(encoder.get_feature_names_out())
    pd.testing.assert_frame_equal(
        loaded.get_embeddings("occupation"), encoder.get_embeddings("occupation")
    )


def test_round_trip_through_file_object(fitted):
    """save and load accept binary file objects as well as paths."""
    encoder, X = fitted
    buffer = io.BytesIO()
    assert encoder.save(buffer) is None
    buffer.seek(0)
    np.testing.assert_array_equal(skembed.load(buffer).transform(X), encoder.transform(X))


def test_categories_of_every_dtype_survive_exactly(tmp_path):
    """str, int, bool, float, bytes, mixed and unicode categories come back equal and typed."""
    n = 60
    rng = np.random.default_rng(0)
    mixed = np.array(
        ["a", 1, 2.5, b"raw", 2**70, "", "a\x00", "\ud800 lone", "日本", None], object
    )
    # True == 1 in Python, so bools and ints would merge: bools get a column of their own
    flags = np.array([True, "maybe", False, None], dtype=object)
    X = pd.DataFrame(
        {
            "text": pd.array(rng.choice(["x", "y", "é" * 300], n), dtype="string"),
            "ints": rng.integers(-(2**40), 2**40, n),
            "bools": rng.random(n) < 0.5,
            "floats": rng.choice([0.5, -0.0, 1e300, np.nan], n),
            "mixed": mixed[rng.integers(0, len(mixed), n)],
            "flags": flags[rng.integers(0, len(flags), n)],
            "cat": pd.Categorical(rng.choice(["lo", "hi"], n)),
            "dates": rng.choice(pd.date_range("2020-01-01", periods=3).to_numpy(), n),
            "num": rng.normal(size=n),
        }
    )
    y = rng.normal(size=n)
    encoder = EntityEmbeddingEncoder(
        categorical_features=["text", "ints", "bools", "floats", "mixed", "flags", "cat", "dates"],
        **FAST,
    ).fit(X, y)
    loaded = skembed.load(encoder.save(tmp_path / "types.skembed"))
    assert_same_encoder(encoder, loaded)
    assert {type(v) for v in loaded.categories_[4]} == {str, int, float, bytes}
    assert {type(v) for v in loaded.categories_[5]} == {str, bool}
    assert 2**70 in list(loaded.categories_[4]) and "a\x00" in list(loaded.categories_[4])
    unseen = X.assign(mixed=np.array(["never seen", None] * (n // 2), dtype=object))
    np.testing.assert_array_equal(loaded.transform(unseen), encoder.transform(unseen))


def test_unfitted_encoder_with_unusual_parameters_round_trips(tmp_path):
    """Parameters of every accepted type (tuples, dicts, dtypes, RandomState) survive."""
    encoder = EntityEmbeddingEncoder(
        categorical_features=[0, 2],
        embedding_dim={0: 3, 2: 5},
        min_frequency=np.int64(2),
        hidden_layer_sizes=(7, 5),
        dtype=np.dtype("float64"),
        random_state=np.random.RandomState(7),
        learning_rate_init=float("1e-2"),
    )
    loaded = skembed.load(encoder.save(tmp_path / "params.skembed"))
    assert_same_encoder(encoder, loaded)
    assert not hasattr(loaded, "embeddings_")
    X, y = make_frame(200)
    X = X.to_numpy(dtype=object)
    np.testing.assert_array_equal(
        loaded.set_params(max_iter=2).fit(X, y).transform(X),
        encoder.set_params(max_iter=2).fit(X, y).transform(X),
    )


def test_set_output_configuration_is_kept(tmp_path):
    """An encoder saved after set_output(transform="pandas") still returns DataFrames."""
    X, y = make_frame(200)
    encoder = EntityEmbeddingEncoder(**FAST).set_output(transform="pandas").fit(X, y)
    loaded = skembed.load(encoder.save(tmp_path / "pandas.skembed"))
    pd.testing.assert_frame_equal(loaded.transform(X), encoder.transform(X))


def test_callable_parameter_cannot_be_saved(tmp_path):
    """A callable embedding_dim has no pickle-free form: TypeError naming it, no file."""
    X, y = make_frame(200)
    encoder = EntityEmbeddingEncoder(embedding_dim=lambda n: 3, **FAST).fit(X, y)
    with pytest.raises(TypeError, match="parameter 'embedding_dim'.*joblib"):
        encoder.save(tmp_path / "callable.skembed")
    assert list(tmp_path.iterdir()) == []


def test_unsupported_category_type_names_the_attribute(tmp_path):
    """Categories of an unsupported type (tuples) fail to save with the attribute named."""
    X = pd.DataFrame({"pair": [(1, 2), (3, 4)] * 20})
    encoder = EntityEmbeddingEncoder(**FAST).fit(X, np.arange(40) % 2)
    with pytest.raises(TypeError, match=r"categories_.*tuple"):
        encoder.save(tmp_path / "tuples.skembed")


def test_save_is_atomic(fitted, tmp_path, monkeypatch):
    """A save interrupted while writing leaves the previous file intact and no debris."""
    import skembed._persistence as persistence

    encoder, X = fitted
    path = encoder.save(tmp_path / "model.skembed")
    before = path.read_bytes()

    def interrupted(file, entries):
        file.write(b"partial")
        raise KeyboardInterrupt

    monkeypatch.setattr(persistence, "_write_zip", interrupted)
    with pytest.raises(KeyboardInterrupt):
        encoder.save(path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["model.skembed"]


def test_wrong_paths_give_clear_errors(tmp_path):
    """A missing path or a directory raises the matching OSError naming the path."""
    with pytest.raises(FileNotFoundError, match="No skembed file at .*nope.skembed"):
        skembed.load(tmp_path / "nope.skembed")
    with pytest.raises(IsADirectoryError, match="is a directory"):
        skembed.load(tmp_path)


def test_pickle_file_is_refused_with_a_hint(fitted, tmp_path):
    """A joblib file is not loaded (nor unpickled); the error points to joblib.load."""
    encoder, _ = fitted
    joblib.dump(encoder, tmp_path / "enc.joblib")
    with pytest.raises(ValueError, match="not a skembed file.*joblib.load"):
        skembed.load(tmp_path / "enc.joblib")


def test_truncated_files_are_refused(fitted, tmp_path):
    """Every truncation of a saved file raises ValueError, never another exception."""
    encoder, _ = fitted
    data = _saved_bytes(encoder)
    for cut in np.linspace(0, len(data) - 1, 40).astype(int):
        with pytest.raises(ValueError, match="truncated|corrupted|not a skembed"):
            skembed.load(io.BytesIO(data[:cut]))


def test_flipped_bytes_are_detected(fitted):
    """A corrupted byte anywhere in the file raises ValueError (zip CRC or SHA-256)."""
    encoder, X = fitted
    data = _saved_bytes(encoder)
    rng = np.random.default_rng(0)
    for position in rng.choice(len(data), 60, replace=False):
        corrupted = bytearray(data)
        corrupted[position] ^= 0xFF
        try:
            loaded = skembed.load(io.BytesIO(bytes(corrupted)))
        except ValueError:
            continue
        # a flip in zip bookkeeping that no reader uses may load: then it must be exact
        np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))


def test_tampered_array_is_detected_by_checksum(fitted):
    """An array entry replaced inside a valid zip fails its SHA-256 check."""
    encoder, _ = fitted
    entries = _entries(_saved_bytes(encoder))
    manifest = json.loads(entries[MANIFEST])
    table = manifest["fitted"]["embeddings_"][0]["array"]
    tampered = io.BytesIO()
    np.save(tampered, np.load(io.BytesIO(entries[table])) + 1)
    entries[table] = tampered.getvalue()
    with pytest.raises(ValueError, match="does not match its checksum"):
        skembed.load(io.BytesIO(_zip(entries)))


def test_tampered_manifest_is_detected_by_checksum(fitted):
    """Editing the manifest without its checksum is detected."""
    encoder, _ = fitted
    entries = _entries(_saved_bytes(encoder))
    entries[MANIFEST] = entries[MANIFEST].replace(b'"max_iter": 3', b'"max_iter": 4')
    with pytest.raises(ValueError, match="manifest does not match its checksum"):
        skembed.load(io.BytesIO(_zip(entries)))


def test_newer_format_asks_for_an_upgrade(fitted):
    """A file from a newer format version is refused with an upgrade hint."""
    encoder, _ = fitted
    entries = _entries(_saved_bytes(encoder))
    manifest = json.loads(entries[MANIFEST])
    manifest["format_version"] = FORMAT_VERSION + 1
    manifest["skembed_version"] = "9.0.0"
    _set_manifest(entries, manifest)
    newer = rf"skembed 9\.0\.0 in file format {FORMAT_VERSION + 1}.*Upgrade"
    with pytest.raises(ValueError, match=newer):
        skembed.load(io.BytesIO(_zip(entries)))


def test_unknown_parameter_asks_for_an_upgrade(fitted):
    """A parameter this version does not know is refused, not silently dropped."""
    encoder, _ = fitted
    entries = _entries(_saved_bytes(encoder))
    manifest = json.loads(entries[MANIFEST])
    manifest["params"]["future_knob"] = 1
    _set_manifest(entries, manifest)
    with pytest.raises(ValueError, match=r"\['future_knob'\].*Upgrade"):
        skembed.load(io.BytesIO(_zip(entries)))


def test_inconsistent_tables_are_refused(fitted):
    """A well-formed file whose tables do not fit its categories is refused."""
    encoder, _ = fitted
    entries = _entries(_saved_bytes(encoder))
    manifest = json.loads(entries[MANIFEST])
    manifest["fitted"]["embedding_dims_"][0] += 1
    _set_manifest(entries, manifest)
    with pytest.raises(ValueError, match="tables do not match"):
        skembed.load(io.BytesIO(_zip(entries)))


def test_pickled_payload_is_never_executed(fitted, tmp_path):
    """An object array smuggled in (checksums recomputed) is refused without unpickling."""
    encoder, _ = fitted
    marker = tmp_path / "executed"
    entries = _entries(_saved_bytes(encoder))
    manifest = json.loads(entries[MANIFEST])
    payload = np.empty(1, dtype=object)
    payload[0] = _Exploit(str(marker))
    buffer = io.BytesIO()
    np.save(buffer, payload, allow_pickle=True)
    name = manifest["fitted"]["continuous_mean_"]["array"]
    entries[name] = buffer.getvalue()
    manifest["checksums"][name] = hashlib.sha256(entries[name]).hexdigest()
    _set_manifest(entries, manifest)
    with pytest.raises(ValueError, match="not a plain array"):
        skembed.load(io.BytesIO(_zip(entries)))
    assert not marker.exists()


def test_zip_without_manifest_is_not_a_skembed_file(tmp_path):
    """Any other zip archive is refused with a clear message."""
    path = tmp_path / "other.zip"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("hello.txt", "hi")
    with pytest.raises(ValueError, match="not a skembed file: it has no skembed.json"):
        skembed.load(path)


def test_load_and_transform_without_torch(fitted, tmp_path):
    """A saved encoder loads and transforms where torch cannot be imported.

    The saved encoder says ``device="cuda"``, as one fitted on a GPU does: its
    fitted state is NumPy, so it loads on this CPU-only process all the same.
    """
    encoder, X = fitted
    gpu_like = EntityEmbeddingEncoder(**FAST).fit(X.iloc[:300], np.arange(300) % 2)
    gpu_like.set_params(device="cuda")
    gpu_like.save(tmp_path / "enc.skembed")
    joblib.dump((X.iloc[:300], gpu_like.transform(X.iloc[:300])), tmp_path / "expected.joblib")
    code = f"""
import sys

class BlockTorch:
    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] == "torch":
            raise ImportError("torch is blocked in this test")

sys.meta_path.insert(0, BlockTorch())
import joblib, numpy as np, skembed
X, expected = joblib.load({str(tmp_path / "expected.joblib")!r})
encoder = skembed.load({str(tmp_path / "enc.skembed")!r})
np.testing.assert_array_equal(encoder.transform(X), expected)
assert encoder.device == "cuda" and "torch" not in sys.modules
print("ok")
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


class _Exploit:
    """Unpickling this would create a file: the test checks that it never happens."""

    def __init__(self, path):
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))


def _saved_bytes(encoder) -> bytes:
    buffer = io.BytesIO()
    encoder.save(buffer)
    return buffer.getvalue()


def _entries(data: bytes) -> dict:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _zip(entries: dict) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _set_manifest(entries: dict, manifest: dict) -> None:
    entries[MANIFEST] = json.dumps(manifest).encode()
    entries[MANIFEST_CHECKSUM] = hashlib.sha256(entries[MANIFEST]).hexdigest().encode()
