"""What the ``skembed`` commands do: ``demo``, ``fit`` and ``transform``.

Each command takes the :class:`argparse.Namespace` of its sub-parser (see
:mod:`skembed._cli_parser`), returns the exit status, and raises
:class:`~skembed._cli_errors.CLIError` for anything the user can fix.
"""

from __future__ import annotations

import ast
from pathlib import Path

from ._cli_errors import CLIError
from ._cli_files import (
    check_encoder_name,
    check_input,
    check_output,
    load_encoder,
    peek_columns,
    read_table,
    save_encoder,
    write_table,
)

__all__ = [
    "COMMANDS",
    "check_fit_columns",
    "check_keep_columns",
    "check_transform_columns",
    "parse_params",
    "parse_value",
    "run_demo_command",
    "run_fit",
    "run_transform",
    "split_names",
    "string_category_columns",
]


# ------------------------------------------------------------------- arguments


def parse_value(text: str):
    """A ``--param`` value: a bool, None, a Python literal, else the text itself.

    Examples
    --------
    >>> parse_value("True"), parse_value("none"), parse_value("(64, 32)"), parse_value("adam")
    (True, None, (64, 32), 'adam')
    """
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered in ("none", "null"):
        return None
    try:
        return ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return text


def parse_params(items, encoder_class) -> dict:
    """The ``--param NAME=VALUE`` items as keyword arguments of ``encoder_class``.

    Parameters
    ----------
    items : list of str or None
        The repeated ``--param`` values.
    encoder_class : type
        The estimator whose ``get_params`` names the accepted parameters.

    Returns
    -------
    params : dict
    """
    valid = sorted(encoder_class().get_params())
    params = {}
    for item in items or ():
        name, sep, value = item.partition("=")
        name = name.strip()
        if not sep or not name:
            raise CLIError(f"--param expects name=value (e.g. --param max_iter=20), got {item!r}.")
        if name not in valid:
            raise CLIError(
                f"--param {name!r} is not a parameter of EntityEmbeddingEncoder; expected "
                f"one of {', '.join(valid)}."
            )
        params[name] = parse_value(value)
    return params


def split_names(text: str | None) -> list[str]:
    """Column names from a comma-separated list, blanks dropped.

    Examples
    --------
    >>> split_names(" a, b,,c "), split_names(None)
    (['a', 'b', 'c'], [])
    """
    if text is None:
        return []
    return [name.strip() for name in text.split(",") if name.strip()]


# ------------------------------------------------------------------------- fit


def _encoder_from_args(param_items, categorical, quiet):
    """An unfitted EntityEmbeddingEncoder from ``--param``, ``--categorical`` and ``--quiet``."""
    from ._encoder import EntityEmbeddingEncoder
    from ._validation import InvalidParameterError, validate_params

    params = parse_params(param_items, EntityEmbeddingEncoder)
    if categorical and "categorical_features" in params:
        raise CLIError(
            "the categorical columns were given twice, with --categorical and with "
            "--param categorical_features; keep one."
        )
    if "categorical_features" in params:
        raise CLIError(
            "name the categorical columns with --categorical a,b,c (column names, comma-"
            "separated) instead of --param categorical_features."
        )
    if categorical:
        params["categorical_features"] = categorical
    params.setdefault("verbose", 0 if quiet else 1)
    encoder = EntityEmbeddingEncoder(**params)
    try:
        validate_params(encoder)
    except InvalidParameterError as exc:
        raise CLIError(f"invalid --param: {exc}") from None
    return encoder


def check_fit_columns(data: Path, columns, target: str, categorical) -> None:
    """Raise a CLIError unless ``--target`` and ``--categorical`` name distinct columns.

    Parameters
    ----------
    data : pathlib.Path
        The DATA file, named in messages.
    columns : list of str
        Its columns.
    target : str
        The ``--target`` column.
    categorical : list of str
        The ``--categorical`` columns.
    """
    if target not in columns:
        raise CLIError(
            f"--target column {target!r} is not in {str(data)!r}; its columns are "
            f"{columns}. Pass one of them with --target."
        )
    missing = [name for name in categorical if name not in columns]
    if missing:
        raise CLIError(
            f"--categorical names {missing}, which {'is' if len(missing) == 1 else 'are'} "
            f"not in {str(data)!r}; its columns are {columns}. Fix the names in --categorical."
        )
    if target in categorical:
        raise CLIError(
            f"--target column {target!r} is also listed in --categorical; the target "
            "cannot be a feature. Remove it from --categorical."
        )


def run_fit(args) -> int:
    """``skembed fit``: fit an encoder on a table and save it to ``--out``."""
    from ._threads import limit_threads

    data, out = Path(args.data), Path(args.out)
    categorical = split_names(args.categorical)
    encoder = _encoder_from_args(args.param, categorical, args.quiet)
    kind = check_input(data, "DATA")
    check_encoder_name(out)
    check_output(out)
    columns, frame = peek_columns(data, kind)
    check_fit_columns(data, columns, args.target, categorical)
    if frame is None:
        frame = read_table(data, kind, string_columns=categorical)
    X = frame.drop(columns=[args.target])
    y = frame[args.target].to_numpy()
    if args.threads is not None:  # torch's threads in fit, BLAS and OpenMP around it
        encoder.set_params(n_jobs=args.threads)
    try:
        with limit_threads(args.threads):
            encoder.fit(X, y)
    except (ValueError, TypeError) as exc:
        raise CLIError(f"fitting the encoder on {str(data)!r} failed: {exc}", status=1) from None
    save_encoder(encoder, out)
    from ._target import describe_target

    names = [str(encoder.feature_names_in_[j]) for j in encoder.categorical_columns_]
    dims = ", ".join(f"{name}: {dim}" for name, dim in zip(names, encoder.embedding_dims_))
    print(
        f"Fitted EntityEmbeddingEncoder on {len(X):,} rows of {str(data)!r} in "
        f"{encoder.n_iter_} epoch{'' if encoder.n_iter_ == 1 else 's'}; embedding widths "
        f"{{{dims}}}, "
        f"{len(encoder.continuous_columns_)} continuous columns; "
        f"{describe_target(encoder.target_type_, encoder.classes_)}. Wrote {str(out)!r}."
    )
    return 0


# ------------------------------------------------------------------- transform


def check_transform_columns(data: Path, columns, names, n_features_in: int) -> None:
    """Raise a CLIError unless the table has the columns the encoder was fitted on.

    Parameters
    ----------
    data : pathlib.Path
        The DATA file, named in messages.
    columns : list of str
        Its columns.
    names : list of str or None
        The encoder's ``feature_names_in_``; None when it was fitted on an
        array, when only the number of columns is checked.
    n_features_in : int
        The encoder's ``n_features_in_``.
    """
    if names is not None:
        missing = [name for name in names if name not in columns]
        if missing:
            raise CLIError(
                f"{str(data)!r} lacks the columns {missing} that the encoder was fitted on; "
                f"it has {columns}. Give a file with all of {names} (other columns are "
                "ignored)."
            )
    elif len(columns) != n_features_in:
        raise CLIError(
            f"the encoder was fitted on {n_features_in} unnamed columns, but "
            f"{str(data)!r} has {len(columns)}. Give a file with exactly those columns."
        )


def string_category_columns(encoder, names) -> list[str]:
    """The categorical columns whose fitted categories are all strings.

    A CSV file reads them as strings, so that e.g. ``"007"`` stays ``"007"``,
    as ``skembed fit --categorical`` did.

    Parameters
    ----------
    encoder : EntityEmbeddingEncoder
        Fitted.
    names : list of str or None
        The encoder's input column names; no column when None.

    Returns
    -------
    columns : list of str
    """
    if names is None:
        return []
    columns = []
    for i, j in enumerate(encoder.categorical_columns_):
        categories = encoder.categories_[i]
        if len(categories) and all(isinstance(v, str) for v in categories):
            columns.append(names[j])
    return columns


def check_keep_columns(spec, data: Path, columns: list, output_names: list) -> list:
    """The columns ``--keep`` names, checked against DATA and the encoder's output."""
    if spec is None:
        return []
    keep = [name.strip() for name in spec.split(",") if name.strip()]
    missing = [name for name in keep if name not in columns]
    if missing:
        raise CLIError(
            f"--keep names {missing}, which {str(data)!r} does not have; its columns are "
            f"{columns}."
        )
    clash = [name for name in keep if name in output_names]
    if clash:
        raise CLIError(
            f"--keep names {clash}, which the encoder's output also has (a column it encodes "
            "or passes through); the output would have duplicate columns. Drop them from --keep."
        )
    return list(dict.fromkeys(keep))


def run_transform(args) -> int:
    """``skembed transform``: encode a table with a saved encoder, write it to ``--out``."""
    import numpy as np
    import pandas as pd

    encoder_path, data, out = Path(args.encoder), Path(args.data), Path(args.out)
    out_kind = check_output(out, formats=True)
    encoder = load_encoder(encoder_path)
    kind = check_input(data, "DATA")
    columns, frame = peek_columns(data, kind)
    names = getattr(encoder, "feature_names_in_", None)
    names = None if names is None else [str(name) for name in names]
    check_transform_columns(data, columns, names, encoder.n_features_in_)
    output_names = [str(c) for c in encoder.get_feature_names_out()]
    keep = check_keep_columns(args.keep, data, columns, output_names)
    if frame is None:  # kept columns are read as text too: "007" stays "007"
        strings = string_category_columns(encoder, names)
        strings += [name for name in keep if names is None or name not in names]
        frame = read_table(data, kind, string_columns=strings)
    X = frame[names] if names is not None else frame.to_numpy()
    try:
        Z = encoder.transform(X)
    except (ValueError, TypeError) as exc:
        raise CLIError(f"transforming {str(data)!r} failed: {exc}", status=1) from None
    result = pd.DataFrame(np.asarray(Z), columns=output_names)
    if keep:
        kept = frame[keep].reset_index(drop=True)
        result = pd.concat([kept, result], axis=1)
    write_table(result, out, out_kind)
    print(f"Encoded {len(result):,} rows into {result.shape[1]} columns. Wrote {str(out)!r}.")
    return 0


# ------------------------------------------------------------------------ demo


def run_demo_command(args) -> int:
    """``skembed demo``: see :func:`skembed._demo.run_demo`."""
    from ._demo import run_demo

    run_demo(
        args.out_dir,
        column=args.column,
        max_iter=args.max_iter,
        plot=not args.no_plot,
        n_threads=args.threads,
        verbose=0 if args.quiet else 1,
    )
    return 0


COMMANDS = {"demo": run_demo_command, "fit": run_fit, "transform": run_transform}
"""The function that runs each sub-command, by its name."""
