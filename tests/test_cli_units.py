"""Unit tests of the command line's parts: parser, argument parsing, files, thread limits."""

import argparse
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pandas as pd
import pytest

from skembed._cli import main
from skembed._cli_commands import (
    COMMANDS,
    check_fit_columns,
    check_transform_columns,
    parse_params,
    parse_value,
    split_names,
    string_category_columns,
)
from skembed._cli_errors import CLIError
from skembed._cli_files import (
    check_input,
    check_output,
    detect_format,
    is_pickle_name,
    load_encoder,
    peek_columns,
    read_table,
    save_encoder,
    write_table,
)
from skembed._cli_parser import build_parser, int_at_least
from skembed._threads import limit_threads


class Params:
    """A stand-in estimator whose parameters are max_iter and verbose."""

    def get_params(self):
        """The parameters, as sklearn's get_params gives them."""
        return {"max_iter": 10, "verbose": 0}


# ---------------------------------------------------------------------- parser


def test_parser_stores_the_command_name():
    """Every sub-command parses to a name that COMMANDS can run, with its defaults."""
    parser = build_parser()
    args = parser.parse_args(["fit", "d.csv", "--target", "y", "--out", "e.skembed"])
    assert (args.command, args.threads, args.quiet, args.param) == ("fit", None, False, None)
    demo = parser.parse_args(["demo"])
    assert (demo.column, demo.threads, demo.max_iter, demo.out_dir) == ("occupation", 1, None, ".")
    assert set(COMMANDS) == {"demo", "fit", "transform"}


def test_int_at_least_rejects_small_and_non_ints():
    """int_at_least accepts ints >= its bound only, with argparse's type error otherwise."""
    parse = int_at_least(1)
    assert parse("1") == 1
    for text in ("0", "1.5", "x"):
        with pytest.raises(
            argparse.ArgumentTypeError, match=f"expected an int >= 1, got '{text}'"
        ):
            parse(text)


# ------------------------------------------------------------------- arguments


@pytest.mark.parametrize(
    "text, value",
    [("TRUE", True), ("false", False), ("null", None), ("3", 3), ("0.5", 0.5), ("64,32", (64, 32))]
    + [("adam", "adam"), ("", "")],
)
def test_parse_value(text, value):
    """--param values: bools and None by name, Python literals, else the text itself."""
    assert parse_value(text) == value


def test_parse_params_checks_names_and_form():
    """parse_params maps NAME=VALUE to keywords; malformed or unknown names raise CLIError."""
    assert parse_params(["max_iter=3", " verbose = 1"], Params) == {"max_iter": 3, "verbose": 1}
    assert parse_params(None, Params) == {}
    with pytest.raises(CLIError, match="expects name=value"):
        parse_params(["max_iter"], Params)
    with pytest.raises(CLIError, match="expected one of max_iter, verbose"):
        parse_params(["epochs=3"], Params)


def test_split_names():
    """split_names strips names and drops blanks; None gives no names."""
    assert split_names("a, b ,,c,") == ["a", "b", "c"]
    assert split_names(None) == [] and split_names("") == []


# ------------------------------------------------------------- column checks


def test_check_fit_columns():
    """The target must be a column, the categorical names columns, and not the target."""
    data, columns = Path("t.csv"), ["a", "b", "y"]
    check_fit_columns(data, columns, "y", ["a"])
    with pytest.raises(CLIError, match="--target column 'z' is not in 't.csv'"):
        check_fit_columns(data, columns, "z", [])
    with pytest.raises(CLIError, match=r"--categorical names \['q', 'r'\], which are not"):
        check_fit_columns(data, columns, "y", ["a", "q", "r"])
    with pytest.raises(CLIError, match="also listed in --categorical"):
        check_fit_columns(data, columns, "y", ["y"])


def test_check_transform_columns():
    """Named encoders need their columns (others ignored); unnamed ones the same count."""
    data = Path("x.csv")
    check_transform_columns(data, ["a", "b", "extra"], ["a", "b"], 2)
    check_transform_columns(data, ["0", "1"], None, 2)
    with pytest.raises(CLIError, match=r"lacks the columns \['b'\]"):
        check_transform_columns(data, ["a"], ["a", "b"], 2)
    with pytest.raises(CLIError, match="fitted on 3 unnamed columns"):
        check_transform_columns(data, ["0", "1"], None, 3)


def test_string_category_columns():
    """Only categorical columns whose categories are all strings are read as text."""
    encoder = SimpleNamespace(
        categorical_columns_=[0, 2, 3],
        categories_=[np.array(["007", "8"], dtype=object), np.array([1, 2]), np.array([])],
    )
    assert string_category_columns(encoder, ["zip", "x", "n", "empty"]) == ["zip"]
    assert string_category_columns(encoder, None) == []


# ----------------------------------------------------------------------- files


def test_detect_format_by_extension():
    """CSV (compressed too) and Parquet by extension, case-insensitively; others raise."""
    assert detect_format(Path("a.CSV.GZ")) == "csv"
    assert detect_format(Path("dir/a.pq")) == "parquet"
    with pytest.raises(CLIError, match=r"\(no extension\)"):
        detect_format(Path("data"))


def test_check_input_and_output(tmp_path):
    """Inputs must exist and not be folders (for CSV); outputs need an existing folder."""
    with pytest.raises(CLIError, match="DATA file .* does not exist"):
        check_input(tmp_path / "none.csv", "DATA")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    with pytest.raises(CLIError, match="is a directory; expected a csv file"):
        check_input(folder, "DATA")
    assert check_output(tmp_path / "e.skembed") is None
    assert check_output(tmp_path / "out.csv", formats=True) == "csv"
    with pytest.raises(CLIError, match="its folder .* does not exist"):
        check_output(tmp_path / "missing" / "out.csv", formats=True)


def test_csv_peek_read_write(tmp_path):
    """A CSV's header is peeked without reading it; string columns keep leading zeros."""
    path = tmp_path / "t.csv"
    write_table(pd.DataFrame({"zip": ["007", "010"], "n": [1, 2]}), path, "csv")
    assert peek_columns(path, "csv") == (["zip", "n"], None)
    assert read_table(path, "csv", string_columns=["zip"])["zip"].tolist() == ["007", "010"]
    assert read_table(path, "csv")["zip"].tolist() == [7, 10]
    (tmp_path / "bad.csv").write_bytes(b"")
    with pytest.raises(CLIError, match="could not read .* as csv"):
        peek_columns(tmp_path / "bad.csv", "csv")


def test_encoder_files(tmp_path):
    """Pickle names go to joblib; foreign objects are refused when loaded."""
    assert is_pickle_name(Path("E.PKL")) and not is_pickle_name(Path("e.skembed"))
    path = tmp_path / "thing.joblib"
    save_encoder({"not": "an encoder"}, path)
    with pytest.raises(CLIError, match="holds a dict, not a fitted EntityEmbeddingEncoder"):
        load_encoder(path)
    with pytest.raises(CLIError, match="ENCODER file .* does not exist"):
        load_encoder(tmp_path / "none.skembed")


def test_cli_error_status():
    """CLIError carries its exit status, 2 unless told otherwise."""
    assert CLIError("x").status == 2 and CLIError("x", status=1).status == 1


# --------------------------------------------------------------------- threads


def test_limit_threads_restores_torch():
    """limit_threads(1) sets torch to one thread inside the block and restores it after."""
    torch = pytest.importorskip("torch")
    before = torch.get_num_threads()
    with limit_threads(1):
        assert torch.get_num_threads() == 1
    assert torch.get_num_threads() == before
    with limit_threads(None):
        assert torch.get_num_threads() == before


def test_encoder_file_names_are_checked(tmp_path):
    """--out of fit must end in .skembed or a pickle suffix; others are refused up front."""
    from skembed._cli_files import check_encoder_name

    check_encoder_name(tmp_path / "e.skembed")
    check_encoder_name(tmp_path / "e.joblib")
    with pytest.raises(CLIError, match=r"expected a name ending in \.skembed"):
        check_encoder_name(tmp_path / "e.txt")


def test_param_categorical_features_points_to_categorical(tmp_path, capsys):
    """--param categorical_features is refused with a pointer to --categorical."""
    data = tmp_path / "d.csv"
    data.write_text("a,y\nx,0\nz,1\n")
    status = main(
        ["fit", str(data), "--target", "y", "--param", "categorical_features=['a']",
         "--out", str(tmp_path / "e.skembed")]
    )  # fmt: skip
    assert status != 0 and "--categorical a,b,c" in capsys.readouterr().err
