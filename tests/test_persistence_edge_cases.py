"""Saved encoders in odd hands: crafted manifests, file permissions, pickling."""

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


def test_edited_parameters_are_validated_on_load():
    """A manifest edited to an invalid parameter value is refused, naming the parameter."""
    X, y = make_frame(200)
    entries = _entries(EntityEmbeddingEncoder(**FAST).fit(X, y))
    manifest = json.loads(entries[MANIFEST])
    manifest["params"]["handle_unknown"] = "explode"
    with pytest.raises(ValueError, match="handle_unknown.*explode"):
        _load(entries, manifest)


def test_duplicate_categories_are_refused_on_load(tmp_path):
    """A file whose categories repeat a value cannot be loaded (transform would be ambiguous)."""
    X, y = make_frame(200)
    encoder = EntityEmbeddingEncoder(**FAST).fit(X, y)
    categories = encoder.categories_[0].copy()
    categories[1] = categories[0]
    encoder.categories_[0] = categories
    encoder.save(tmp_path / "twice.skembed")
    with pytest.raises(ValueError, match=r"categories_\[0\] holds the same category twice"):
        skembed.load(tmp_path / "twice.skembed")


def test_pandas_index_and_series_parameters_save_as_lists(tmp_path):
    """categorical_features as a pd.Index of names or a boolean pd.Series saves and loads."""
    X, y = make_frame(200)
    for spec in (pd.Index(["city", "colour"]), pd.Series([True, False, True, False])):
        encoder = EntityEmbeddingEncoder(categorical_features=spec, **FAST).fit(X, y)
        encoder.save(tmp_path / "spec.skembed")
        loaded = skembed.load(tmp_path / "spec.skembed")
        assert list(loaded.categorical_features) == list(spec)
        np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))


def test_save_into_a_missing_folder_names_the_target(tmp_path):
    """A missing folder is reported with the path asked for, not a temporary file."""
    X, y = make_frame(200)
    encoder = EntityEmbeddingEncoder(**FAST).fit(X, y)
    target = tmp_path / "nope" / "e.skembed"
    with pytest.raises(FileNotFoundError, match=r"the folder .*nope' does not exist"):
        encoder.save(target)


def test_a_file_of_format_1_loads_with_a_warning_about_the_new_column_order(tmp_path):
    """Files written before the layout change load, and say that the output order changed."""
    import hashlib
    import json
    import zipfile

    import numpy as np

    from conftest import make_frame
    from skembed import EntityEmbeddingEncoder, load

    X, y = make_frame(200)
    path = tmp_path / "old.skembed"
    EntityEmbeddingEncoder(max_iter=1, random_state=0).fit(X, y).save(path)
    with zipfile.ZipFile(path) as archive:
        entries = {name: archive.read(name) for name in archive.namelist()}
    manifest = json.loads(entries["skembed.json"])
    manifest["format_version"] = 1
    entries["skembed.json"] = json.dumps(manifest).encode()
    entries["skembed.json.sha256"] = hashlib.sha256(entries["skembed.json"]).hexdigest().encode()
    old = tmp_path / "format1.skembed"
    with zipfile.ZipFile(old, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    with pytest.warns(UserWarning, match="file format 1.*each block in its column's place"):
        encoder = load(old)
    assert np.isfinite(encoder.transform(X)[:, 0]).all()
