"""Tests of the command line: ``skembed demo``, ``skembed fit`` and ``skembed transform``."""

import re
import subprocess
import sys

import joblib
import numpy as np
import pandas as pd
import pytest

import skembed
from skembed import EntityEmbeddingEncoder
from skembed._cli import main
from skembed._threads import limit_threads
from skembed.datasets import make_categorical

PARAMS = {"max_iter": 3, "random_state": 0, "hidden_layer_sizes": (16,), "embedding_dim": 3}
CLI_PARAMS = [
    "--param",
    "max_iter=3",
    "--param",
    "random_state=0",
    "--param",
    "hidden_layer_sizes=(16,)",
    "--param",
    "embedding_dim=3",
]
CATEGORICAL = ["c0", "c1", "zip"]


@pytest.fixture
def table():
    """A small table with two string columns, a zero-padded code column and a target."""
    X, y, _ = make_categorical(n_rows=400, cardinalities=(4, 12), random_state=0)
    X["zip"] = pd.Series(np.char.zfill((np.arange(400) % 7).astype(str), 3), dtype="str")
    return X, y


def write(frame, path):
    """Write a frame as CSV or Parquet according to the extension."""
    if path.suffix == ".csv":
        frame.to_csv(path, index=False)
    else:
        frame.to_parquet(path, index=False)
    return path


def error_of(capsys):
    """stderr of the last call, checked to be a one-message error without a traceback."""
    captured = capsys.readouterr()
    assert "Traceback" not in captured.err
    assert captured.err.startswith("skembed ")
    return captured.err


# ------------------------------------------------------------------------ demo


def test_python_m_skembed_help():
    """`python -m skembed --help` exits 0 and lists the three commands."""
    run = subprocess.run(
        [sys.executable, "-m", "skembed", "--help"], capture_output=True, text=True, timeout=120
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("usage: skembed")
    for command in ("demo", "fit", "transform"):
        assert command in run.stdout


def test_demo_end_to_end(tmp_path, capsys):
    """The demo prints AUCs of the three encodings for both models and writes the PNG."""
    status = main(["demo", "--out-dir", tmp_path, "--max-iter", "2", "--quiet"])
    out = capsys.readouterr().out
    assert status == 0
    assert "LogisticRegression AUC" in out and "HistGradientBoosting AUC" in out
    for encoder in ("one-hot", "target encoding", "entity embeddings"):
        row = next(line for line in out.splitlines() if line.startswith(encoder))
        aucs = [float(v) for v in re.findall(r"\b0\.\d{4}\b", row)]
        assert len(aucs) == 2, row
        assert all(0.8 < auc <= 1 for auc in aucs), row  # far better than chance (0.5)
    png = tmp_path / "skembed_demo_occupation.png"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert png.stat().st_size > 10_000
    assert str(png) in out


def test_demo_without_matplotlib(tmp_path, capsys, monkeypatch):
    """Without matplotlib the demo still runs, prints the install hint and writes no PNG."""
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    status = main(
        ["demo", "--out-dir", tmp_path, "--max-iter", "1", "--column", "education", "--quiet"]
    )
    out = capsys.readouterr().out
    assert status == 0
    assert 'pip install "skembed[plot]"' in out
    assert "entity embeddings" in out
    assert list(tmp_path.iterdir()) == []


def test_demo_unknown_column(capsys):
    """An unknown --column is a usage error (exit 2) that lists the choices."""
    assert main(["demo", "--column", "salary"]) == 2
    err = capsys.readouterr().err
    assert "invalid choice: 'salary'" in err and "occupation" in err


# ------------------------------------------------------------ fit / transform


@pytest.mark.parametrize("suffix", [".csv", ".parquet"])
def test_fit_transform_round_trip_matches_python_api(tmp_path, table, suffix, capsys):
    """fit then transform through files gives the Python API's encoder and output."""
    if suffix == ".parquet":
        pytest.importorskip("pyarrow")
    X, y = table
    data = write(X.assign(label=y), tmp_path / f"train{suffix}")
    encoder_path, out = tmp_path / "encoder.skembed", tmp_path / f"out{suffix}"
    fit_args = ["fit", data, "--target", "label", "--categorical", ",".join(CATEGORICAL)]
    assert main([*fit_args, *CLI_PARAMS, "--out", encoder_path, "--quiet"]) == 0
    assert main(["transform", encoder_path, data, "--out", out]) == 0
    assert "Wrote" in capsys.readouterr().out

    expected = EntityEmbeddingEncoder(categorical_features=CATEGORICAL, **PARAMS).fit(X, y)
    loaded = skembed.load(encoder_path)  # the pickle-free format is the default
    for got, want in zip(loaded.embeddings_, expected.embeddings_):
        np.testing.assert_array_equal(got, want)
    assert "006" in loaded.categories_[2].tolist()  # the code column was read as strings

    result = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert result.columns.tolist() == expected.get_feature_names_out().tolist()
    np.testing.assert_array_equal(result.to_numpy(dtype=np.float32), expected.transform(X))

    # --keep carries the target through, in front and unchanged
    assert main(["transform", encoder_path, data, "--out", out, "--keep", "label"]) == 0
    kept = pd.read_csv(out) if suffix == ".csv" else pd.read_parquet(out)
    assert kept.columns.tolist() == ["label", *expected.get_feature_names_out()]
    np.testing.assert_array_equal(kept["label"].to_numpy(), y)
    encoded = kept.iloc[:, 1:].to_numpy(np.float32)
    np.testing.assert_array_equal(encoded, result.to_numpy(np.float32))
    ids = pd.Series([f"{k:05d}" for k in range(len(X))], dtype="str")  # "00042" stays text
    with_ids = write(X.assign(label=y, ref=ids), tmp_path / f"ids{suffix}")
    assert main(["transform", encoder_path, with_ids, "--out", out, "--keep", "ref"]) == 0
    kept = pd.read_csv(out, dtype={"ref": str}) if suffix == ".csv" else pd.read_parquet(out)
    assert kept["ref"].tolist() == ids.tolist()


def test_fit_auto_categorical_and_csv_to_parquet(tmp_path, table, capsys):
    """Without --categorical, strings are embedded; CSV in, Parquet out; the summary's target."""
    pytest.importorskip("pyarrow")
    X, y = table
    X = X.drop(columns="zip")
    data = write(X.assign(label=y), tmp_path / "train.csv")
    encoder_path, out = tmp_path / "encoder.joblib", tmp_path / "out.parquet"
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    fit_args = ["fit", data, "--target", "label", *CLI_PARAMS, "--threads", "1"]
    assert main([*fit_args, "--out", encoder_path]) == 0
    assert "target_type 'binary' (binary cross-entropy)" in capsys.readouterr().out
    assert torch.get_num_threads() == threads  # --threads is undone after the fit
    assert main(["transform", encoder_path, data, "--out", out]) == 0
    with limit_threads(1):  # results are bitwise equal only for the same thread count
        expected = EntityEmbeddingEncoder(**PARAMS).fit(X, y)
    assert joblib.load(encoder_path).categorical_columns_.tolist() == [0, 1]
    np.testing.assert_array_equal(pd.read_parquet(out).to_numpy(), expected.transform(X))


# ---------------------------------------------------------------------- errors


def test_fit_missing_file(tmp_path, capsys):
    """A DATA file that does not exist: exit 2, the path named, no traceback."""
    missing = tmp_path / "nope.csv"
    status = main(["fit", missing, "--target", "y", "--out", tmp_path / "e.joblib"])
    assert status == 2
    err = error_of(capsys)
    assert "does not exist" in err and str(missing) in err


def test_fit_unknown_extension(tmp_path, capsys):
    """A DATA file with an unknown extension: exit 2, the accepted extensions listed."""
    data = tmp_path / "train.txt"
    data.write_text("a,b\n1,2\n")
    assert main(["fit", data, "--target", "b", "--out", tmp_path / "e.joblib"]) == 2
    err = error_of(capsys)
    assert "cannot tell the format" in err and ".txt" in err
    assert ".csv" in err and ".parquet" in err


def test_fit_target_missing(tmp_path, table, capsys):
    """A --target that is not a column: exit 2, the columns of the file listed."""
    X, y = table
    data = write(X.assign(label=y), tmp_path / "train.csv")
    assert main(["fit", data, "--target", "income", "--out", tmp_path / "e.joblib"]) == 2
    err = error_of(capsys)
    assert "--target column 'income' is not in" in err and "'label'" in err
    assert not (tmp_path / "e.joblib").exists()


def test_fit_categorical_missing(tmp_path, table, capsys):
    """A --categorical name that is not a column: exit 2, the wrong name named."""
    X, y = table
    data = write(X.assign(label=y), tmp_path / "train.csv")
    status = main(
        ["fit", data, "--target", "label", "--categorical", "c0,city", "--out", "e.joblib"]
    )
    assert status == 2
    err = error_of(capsys)
    assert "--categorical names ['city']" in err and "'c0'" in err


def test_fit_target_listed_as_categorical(tmp_path, table, capsys):
    """The target listed in --categorical: exit 2."""
    X, y = table
    data = write(X.assign(label=y), tmp_path / "train.csv")
    status = main(
        ["fit", data, "--target", "label", "--categorical", "c0,label", "--out", "e.skembed"]
    )
    assert status == 2
    assert "also listed in --categorical" in error_of(capsys)


@pytest.mark.parametrize(
    "param, message",
    [
        ("max_iter", "expects name=value"),
        ("epochs=3", "'epochs' is not a parameter"),
        ("max_iter=0", "'max_iter' parameter of EntityEmbeddingEncoder must be"),
        ("continuous=maybe", "'continuous' parameter"),
    ],
)
def test_fit_bad_param(tmp_path, table, capsys, param, message):
    """A malformed, unknown or invalid --param: exit 2 before any data is read."""
    status = main(
        ["fit", tmp_path / "absent.csv", "--target", "y", "--param", param, "--out", "e"]
    )
    assert status == 2
    assert message in error_of(capsys)


def test_fit_failure_on_data_exits_1(tmp_path, capsys):
    """An error of the encoder on the data (missing target values): exit 1, no traceback."""
    frame = pd.DataFrame({"city": ["a", "b"] * 20, "label": [0, 1, None, 1] * 10})
    data = write(frame, tmp_path / "train.csv")
    status = main(["fit", data, "--target", "label", "--out", tmp_path / "e.joblib", "--quiet"])
    assert status == 1
    assert "y contains missing values" in error_of(capsys)


def test_parquet_without_pyarrow(tmp_path, table, capsys, monkeypatch):
    """Reading Parquet without a Parquet engine: exit 2 with the install hint."""
    X, y = table
    data = tmp_path / "train.parquet"
    data.write_bytes(b"PAR1")  # exists; never parsed
    monkeypatch.setitem(sys.modules, "pyarrow", None)
    monkeypatch.setitem(sys.modules, "fastparquet", None)
    assert main(["fit", data, "--target", "label", "--out", tmp_path / "e.joblib"]) == 2
    assert 'pip install "skembed[parquet]"' in error_of(capsys)


def test_transform_errors(tmp_path, table, capsys):
    """transform: missing, foreign or truncated encoder, bad --out suffix, missing columns."""
    X, y = table
    data = write(X.assign(label=y), tmp_path / "data.csv")
    encoder_path = tmp_path / "encoder.joblib"
    out = tmp_path / "out.csv"

    assert main(["transform", encoder_path, data, "--out", out]) == 2
    assert "ENCODER file" in error_of(capsys)

    joblib.dump({"not": "an encoder"}, encoder_path)
    assert main(["transform", encoder_path, data, "--out", out]) == 2
    assert "holds a dict, not a fitted EntityEmbeddingEncoder" in error_of(capsys)

    joblib.dump(EntityEmbeddingEncoder(**PARAMS).fit(X, y), encoder_path)
    assert main(["transform", encoder_path, data, "--out", tmp_path / "out.xlsx"]) == 2
    assert "cannot tell the format" in error_of(capsys)

    broken = tmp_path / "broken.skembed"
    EntityEmbeddingEncoder(**PARAMS).fit(X, y).save(broken)
    broken.write_bytes(broken.read_bytes()[:-100])
    assert main(["transform", broken, data, "--out", out]) == 2
    assert "could not load ENCODER" in error_of(capsys)

    assert main(["transform", encoder_path, tmp_path / "none.csv", "--out", out]) == 2
    assert "DATA file" in error_of(capsys)

    assert main(["transform", encoder_path, data, "--out", out, "--keep", "id"]) == 2
    assert "--keep names ['id'], which" in error_of(capsys)
    assert main(["transform", encoder_path, data, "--out", out, "--keep", "x1"]) == 2
    assert "duplicate columns" in error_of(capsys)

    partial = write(X.drop(columns="x1"), tmp_path / "partial.csv")
    assert main(["transform", encoder_path, partial, "--out", out]) == 2
    assert "lacks the columns ['x1']" in error_of(capsys)
    assert not out.exists()


def test_error_exit_status_in_a_real_process(tmp_path):
    """The installed entry point exits 2 with the message on stderr and no traceback."""
    run = subprocess.run(
        [sys.executable, "-m", "skembed", "fit", str(tmp_path / "x.csv"), "--target", "y"]
        + ["--out", str(tmp_path / "e.joblib")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 2
    assert run.stderr.startswith("skembed fit: error:") and "does not exist" in run.stderr
    assert "Traceback" not in run.stderr and run.stdout == ""
