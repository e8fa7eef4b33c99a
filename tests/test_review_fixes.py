"""Regression tests for problems found in review (each names what it checks)."""

import hashlib
import io
import json
import pickle
import zipfile

import numpy as np
import pandas as pd
import pytest

import skembed
from conftest import make_frame
from skembed import EntityEmbeddingEncoder
from skembed._persistence import MANIFEST, MANIFEST_CHECKSUM

FAST = dict(max_iter=3, random_state=0)


def _entries(encoder):
    buffer = io.BytesIO()
    encoder.save(buffer)
    with zipfile.ZipFile(io.BytesIO(buffer.getvalue())) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def _load(entries, manifest=None):
    if manifest is not None:
        entries[MANIFEST] = json.dumps(manifest).encode()
        entries[MANIFEST_CHECKSUM] = hashlib.sha256(entries[MANIFEST]).hexdigest().encode()
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    buffer.seek(0)
    return skembed.load(buffer)


def test_bucket_of_a_value_does_not_depend_on_its_container():
    """99, 99.0 and np.float32 values hash alike, before and after save/load."""
    X = pd.DataFrame({"c": np.array(["a"] * 200 + ["b"] * 200 + [np.float32(0.1)], object)})
    y = np.arange(401) % 2
    enc = EntityEmbeddingEncoder(hash_buckets=64, min_frequency=5, **FAST).fit(X, y)
    buffer = io.BytesIO()
    enc.save(buffer)
    buffer.seek(0)
    probe = pd.DataFrame({"c": np.array([np.float32(0.1)], dtype=object)})
    np.testing.assert_array_equal(skembed.load(buffer).transform(probe), enc.transform(probe))
    ints = enc.transform(pd.DataFrame({"c": [99, 1]}))[0]
    floats = enc.transform(pd.DataFrame({"c": [99, np.nan]}))[0]
    np.testing.assert_array_equal(ints, floats)


def test_unfrozen_pretrained_rows_absent_from_x_keep_their_vector():
    """No weight decay on tables: a pretrained category never seen stays exactly as given."""
    X, y = make_frame(300)
    table = pd.DataFrame(np.full((2, 3), 0.5), index=["paris", "atlantis"])
    enc = EntityEmbeddingEncoder(pretrained_embeddings={"city": table}, alpha=1e-2, **FAST)
    enc.fit(X, y)
    np.testing.assert_array_equal(enc.get_embeddings("city").loc["atlantis"], [0.5] * 3)
    assert not np.allclose(enc.get_embeddings("city").loc["paris"], 0.5)


@pytest.mark.parametrize(
    "tamper, match",
    [
        ("nested", "malformed|not valid JSON"),
        ("huge_float", "malformed"),
        ("empty_array", "not a plain array"),
        ("huge_shape", "more than the data"),
    ],
)
def test_crafted_manifests_raise_value_errors(tamper, match):
    """Recursion, overflow, empty or lying .npy entries: ValueError, nothing allocated."""
    X, y = make_frame(200)
    entries = _entries(EntityEmbeddingEncoder(**FAST).fit(X, y))
    manifest = json.loads(entries[MANIFEST])
    if tamper == "nested":
        manifest["params"]["tol"] = "NESTED"
        text = json.dumps(manifest).replace('"NESTED"', "[" * 100_000 + "]" * 100_000)
        entries[MANIFEST] = text.encode()
        entries[MANIFEST_CHECKSUM] = hashlib.sha256(entries[MANIFEST]).hexdigest().encode()
        with pytest.raises(ValueError, match=match):
            _load(entries)
        return
    if tamper == "huge_float":
        manifest["params"]["tol"] = {"kind": "float", "value": 10**400}
    else:
        name = manifest["fitted"]["continuous_mean_"]["array"]
        if tamper == "empty_array":
            entries[name] = b""
        else:
            header = io.BytesIO()
            np.lib.format.write_array_header_1_0(
                header, {"descr": "<f8", "fortran_order": False, "shape": (10**13,)}
            )
            entries[name] = b"\x93NUMPY\x01\x00" + header.getvalue()[8:]
        manifest["checksums"][name] = hashlib.sha256(entries[name]).hexdigest()
    with pytest.raises(ValueError, match=match):
        _load(entries, manifest)


def test_saved_files_get_the_usual_permissions(tmp_path):
    """save() leaves a file readable as any other (not mkstemp's 0600)."""
    import os

    X, y = make_frame(200)
    path = EntityEmbeddingEncoder(**FAST).fit(X, y).save(tmp_path / "m.skembed")
    umask = os.umask(0)
    os.umask(umask)
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask


def test_word_vectors_with_trailing_spaces(tmp_path):
    """word2vec/fastText lines ending in a space load (the empty field is dropped)."""
    path = tmp_path / "v.vec"
    path.write_text("2 3\nparis 0.1 0.2 0.3 \nrome 1 2 3 \n", encoding="utf-8")
    table = skembed.load_word_vectors(path)
    assert table.shape == (2, 3) and table.index.tolist() == ["paris", "rome"]


def test_bag_frequencies_count_rows_not_repeats():
    """min_frequency and category_counts_ count rows holding a token, not its repeats."""
    X = pd.DataFrame({"t": [["a"] * 5] + [["b"]] * 50})
    enc = EntityEmbeddingEncoder(min_frequency=5, **FAST).fit(X, np.arange(51) % 2)
    assert enc.categories_[0].tolist() == ["b"]
    assert enc.infrequent_categories_[0].tolist() == ["a"]
    assert enc.category_counts_[0].tolist() == [50]


def test_csv_export_keeps_empty_string_categories(tmp_path):
    """A "" category survives to_csv / read_embeddings, distinct from "nan" and "NA"."""
    X = pd.DataFrame({"c": ["", "nan", "NA", "b"] * 30})
    enc = EntityEmbeddingEncoder(**FAST).fit(X, np.arange(120) % 2)
    tables = skembed.read_embeddings(enc.to_csv(tmp_path / "t.csv"))
    assert sorted(tables["c"].index) == sorted(["", "nan", "NA", "b"])


def test_list_column_detected_with_duplicate_index_labels():
    """A list column is a bag even when the frame's index repeats labels."""
    X = pd.DataFrame({"t": [["a", "b"], ["c"]] * 20}, index=[0] * 40)
    enc = EntityEmbeddingEncoder(min_frequency=None, **FAST).fit(X, np.arange(40) % 2)
    assert enc.bag_columns_.tolist() == [0]


def test_pickling_keeps_the_live_cache_and_text_labels_match_once():
    """pickle.dumps leaves the encoder's cache; labels "1" match 1 even beside "1"."""
    X, y = make_frame(200)
    enc = EntityEmbeddingEncoder(**FAST).fit(X, y)
    enc.transform(X)
    pickle.dumps(enc)
    assert "_vocabularies" in vars(enc)
    X = pd.DataFrame({"c": np.array([1, "1", 2] * 20, dtype=object)})
    table = pd.DataFrame(np.ones((1, 2)), index=["2"])
    fitted = EntityEmbeddingEncoder(pretrained_embeddings={"c": table}, **FAST)
    fitted.fit(X, np.arange(60) % 2)
    assert 2 in fitted.categories_[0].tolist()


def test_self_supervised_with_sparse_tables():
    """fit(X) with sparse_embeddings=True uses negative sampling for the sparse tables."""
    X, _ = make_frame(300)
    enc = EntityEmbeddingEncoder(sparse_embeddings=True, max_iter=2, random_state=0).fit(X)
    assert np.isfinite(enc.transform(X)).all()
