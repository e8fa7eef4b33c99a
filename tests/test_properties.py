"""Property-based tests: generated hostile tables end in finite output or a clear error.

Every generated case must end in either finite output of the documented shape, or
a ``ValueError`` / ``TypeError`` whose message names the offending column (or, for
table-level problems, ``y``, the sample count, the feature names, ...). Never another
exception, never NaN/inf in the output, never a mutated input, never a damaged
previously fitted encoder, and a successful fit survives ``save`` / ``load`` bit
for bit.

The runs are derandomized (the same cases on every run). The number of cases per
test is ``SKEMBED_HYPOTHESIS_EXAMPLES`` (default 120, kept small for CI); raise it
for a deeper local search, e.g. ``SKEMBED_HYPOTHESIS_EXAMPLES=3000 pytest
tests/test_properties.py``.
"""

import copy
import io
import os
import threading

import numpy as np
import pandas as pd
import pytest

from conftest import make_frame

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, event, given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

import skembed  # noqa: E402
from skembed import EntityEmbeddingEncoder  # noqa: E402
from skembed._layout import encoder_layout  # noqa: E402
from skembed.datasets import load_adult_sample  # noqa: E402

N_EXAMPLES = int(os.environ.get("SKEMBED_HYPOTHESIS_EXAMPLES", "120"))
PROPERTY_SETTINGS = settings(
    max_examples=N_EXAMPLES,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

MISSING = st.sampled_from([None, np.nan, pd.NA, pd.NaT])
TEXT = st.one_of(
    st.text(st.characters(exclude_categories=("Cs",)), max_size=12),
    st.sampled_from(["", " ", "nan", "None", "NA", "\x00", "é" * 2000, "日本語", "🙂"]),
)
INTS = st.one_of(st.integers(-5, 5), st.integers(-(2**63), 2**63 - 1), st.integers())
FLOATS = st.floats(allow_nan=True, allow_infinity=True)
HUGE = st.sampled_from([1e308, -1e308, 1.7e308, 5e-324, -0.0, 3.4e38, 1e39])
KINDS = [
    "text", "string", "mixed", "ints", "bools", "category", "float", "all_missing", "one",
    "lists", "joined", "arrow_string", "arrow_dictionary", "object_numbers",
]  # fmt: skip

# messages of table-level errors, which concern no single column
TABLE_LEVEL = (
    "y contains",
    "y has",
    "y must",
    "y is",
    "target",
    "n_samples",
    "samples",
    "feature names",
    "duplicate column names",
    "classes",
    "loss became",
    "Sample weights",
)


def column_values(draw, kind: str, n: int):
    """``n`` cells of the given kind of column."""
    if kind == "text":
        cells = draw(st.lists(st.one_of(TEXT, MISSING), min_size=n, max_size=n))
        return np.array(cells + [None], dtype=object)[:n]
    if kind == "string":
        cells = draw(st.lists(st.one_of(TEXT, st.none()), min_size=n, max_size=n))
        return pd.array(cells, dtype="string")
    if kind == "mixed":
        cells = draw(
            st.lists(st.one_of(TEXT, INTS, FLOATS, st.booleans(), MISSING), min_size=n, max_size=n)
        )
        return np.array(cells + [None], dtype=object)[:n]
    if kind == "ints":
        return np.array(draw(st.lists(st.integers(-3, 3), min_size=n, max_size=n)), np.int64)
    if kind == "bools":
        return np.array(draw(st.lists(st.booleans(), min_size=n, max_size=n)), dtype=bool)
    if kind == "category":
        cells = draw(st.lists(st.one_of(st.sampled_from(["lo", "mid", "hi"]), st.none()),
                              min_size=n, max_size=n))  # fmt: skip
        return pd.Categorical(cells)
    if kind == "float":
        cells = draw(st.lists(st.one_of(FLOATS, HUGE), min_size=n, max_size=n))
        return np.array(cells, dtype=np.float64)
    if kind == "all_missing":
        cells = draw(st.lists(MISSING, min_size=n, max_size=n))
        return np.array(cells + ["x"], dtype=object)[:n]
    if kind == "lists":  # list cells: a bag column (empty lists and None included)
        cells = draw(
            st.lists(st.one_of(st.none(), st.lists(st.one_of(TEXT, st.integers(-2, 2), st.none()),
                                                   max_size=3)), min_size=n, max_size=n)
        )  # fmt: skip
        column = np.empty(n, dtype=object)
        column[:] = cells
        return column
    if kind == "joined":  # "a|b" strings, a bag when separator names the column
        cells = draw(st.lists(st.one_of(st.none(), st.lists(st.sampled_from(["a", "b", "c", ""]),
                                                            max_size=3).map("|".join)),
                              min_size=n, max_size=n))  # fmt: skip
        return np.array(cells + [None], dtype=object)[:n]
    if kind in ("arrow_string", "arrow_dictionary"):  # what dtype_backend="pyarrow" gives
        pa = pytest.importorskip("pyarrow")
        cells = draw(st.lists(st.one_of(TEXT, st.none()), min_size=n, max_size=n))
        arrow = pa.array(cells, pa.string())
        if kind == "arrow_dictionary":
            arrow = arrow.dictionary_encode()
        return pd.array(arrow, dtype=pd.ArrowDtype(arrow.type))
    if kind == "object_numbers":  # a ColumnTransformer's object output: floats as objects
        cells = draw(st.lists(st.one_of(FLOATS, st.none()), min_size=n, max_size=n))
        return np.array(cells + ["x"], dtype=object)[:n]
    return np.full(n, "only", dtype=object)  # "one": a single category


@st.composite
def tables(draw):
    """A hostile DataFrame, the schema it was drawn from, and a target."""
    n = draw(st.integers(1, 24))
    kinds = draw(st.lists(st.sampled_from(KINDS), min_size=1, max_size=4))
    names = [f"c{k}_{draw(TEXT)}" for k in range(len(kinds))]
    if len(names) > 1 and draw(st.integers(0, 9)) == 0:
        names[-1] = names[0]  # duplicate column names, now and then
    X = pd.DataFrame({f"tmp{k}": column_values(draw, kind, n) for k, kind in enumerate(kinds)})
    X.columns = names
    y_kind = draw(
        st.sampled_from(["binary", "binary", "labels", "continuous", "continuous", "constant",
                         "hostile", "none"])
    )  # fmt: skip
    if y_kind == "binary":
        y = np.array(draw(st.lists(st.integers(0, 1), min_size=n, max_size=n)))
    elif y_kind == "labels":
        y = np.array(draw(st.lists(st.sampled_from(["a", "b", "c"]), min_size=n, max_size=n)))
    elif y_kind == "constant":
        y = np.full(n, 3.0)
    elif y_kind == "none":  # fit(X): self-supervised
        y = None
    else:
        finite = st.floats(allow_nan=False, allow_infinity=False)
        y = np.array(draw(st.lists(st.one_of(finite, HUGE), min_size=n, max_size=n)))
        if y_kind == "hostile":  # NaN or inf somewhere in y
            y[draw(st.integers(0, n - 1))] = draw(st.sampled_from([np.nan, np.inf, -np.inf]))
    return X, kinds, y


def weights_for(draw, n: int):
    """None, or weights with zeros (a row may weigh nothing; all zero is an error)."""
    if draw(st.booleans()):
        return None
    return np.array(draw(st.lists(st.sampled_from([0.0, 0.0, 0.5, 1.0, 3.0]),
                                  min_size=n, max_size=n)))  # fmt: skip


@st.composite
def settings_for(draw, X):
    """Encoder parameters worth varying on hostile data (tiny network, few epochs)."""
    spec = draw(st.sampled_from(["auto", "all", "subset"]))
    columns = list(dict.fromkeys(X.columns))
    if spec == "all":
        spec = columns
    elif spec == "subset":
        spec = draw(st.lists(st.sampled_from(columns), unique=True))
    joined = [c for j, c in enumerate(X.columns) if X.iloc[:, j].dtype == object]
    joined = list(dict.fromkeys(joined))
    separator = None
    if joined:
        separator = {c: "|" for c in draw(st.lists(st.sampled_from(joined), unique=True))}
    return dict(
        categorical_features=spec,
        separator=separator,
        hash_buckets=draw(st.sampled_from([None, None, 3])),
        bag_mode=draw(st.sampled_from(["mean", "sum"])),
        min_frequency=draw(st.sampled_from([None, 2, 0.2])),
        handle_unknown=draw(st.sampled_from(["embed", "embed", "error"])),
        continuous=draw(st.sampled_from(["scale", "passthrough", "drop"])),
        early_stopping=draw(st.booleans()),
        dtype=draw(st.sampled_from([np.float32, np.float64])),
        hidden_layer_sizes=(4,),
        max_iter=2,
        batch_size=8,
        random_state=0,
    )


def snapshot(X: pd.DataFrame):
    """Everything about a frame that a mutation could change (NaN vs None included)."""
    return (
        list(X.columns),
        [str(d) for d in X.dtypes],
        list(X.index),
        [[(type(v).__name__, repr(v)) for v in X.iloc[:, j]] for j in range(X.shape[1])],
    )


def assert_clear_error(exc: Exception, X: pd.DataFrame):
    """The error is a ValueError/TypeError that names a column or a table-level problem."""
    assert isinstance(exc, (ValueError, TypeError)), f"{type(exc).__name__}: {exc}"
    message = str(exc)
    names_column = any(repr(c) in message or str(c) in message for c in X.columns)
    assert names_column or any(p in message for p in TABLE_LEVEL), message


def anonymous(exc: Exception, X: pd.DataFrame) -> str:
    """The start of an error message with column names blanked (for statistics)."""
    message = str(exc)
    for name in sorted(map(str, X.columns), key=len, reverse=True):
        message = message.replace(repr(name), "<col>").replace(name, "<col>")
    return message[:50]


@pytest.fixture(scope="module")
def reference():
    """A fitted encoder, to check that failed refits leave it as it was."""
    X, y = make_frame(150)
    return EntityEmbeddingEncoder(hidden_layer_sizes=(4,), max_iter=2, random_state=0).fit(X, y)


@PROPERTY_SETTINGS
@given(data=st.data())
@pytest.mark.filterwarnings("ignore:.*categories were pooled:UserWarning")
@pytest.mark.filterwarnings("ignore:.*has only missing values:UserWarning")
@pytest.mark.filterwarnings("ignore:y holds:UserWarning")
def test_fit_transform_ends_in_finite_output_or_clear_error(data, reference):
    """Hostile tables: finite output or a clear error; inputs and old fits untouched."""
    X, kinds, y = data.draw(tables())
    params = data.draw(settings_for(X))
    weight = weights_for(data.draw, len(X))
    before = snapshot(X)
    fitted = copy.deepcopy(reference).set_params(**params)
    previous = {k: v for k, v in vars(fitted).items() if k.endswith("_")}
    try:
        fitted.fit(X, y, sample_weight=weight)
    except Exception as exc:  # the property: which exceptions, with which message
        assert_clear_error(exc, X)
        event(f"fit raised {type(exc).__name__}: {anonymous(exc, X)}")
        assert snapshot(X) == before
        now = {k: v for k, v in vars(fitted).items() if k.endswith("_")}
        assert now.keys() == previous.keys()
        assert all(now[k] is previous[k] for k in now), "a failed fit changed the encoder"
        return
    for table in fitted.embeddings_:
        assert np.isfinite(table).all()
    variant = data.draw(st.sampled_from(["same", "fresh", "reordered"]))
    X_t = X
    if variant == "fresh":  # same schema, new values: unseen categories, inf, ...
        n_t = data.draw(st.integers(1, 12))
        X_t = pd.DataFrame({f"t{k}": column_values(data.draw, kind, n_t)
                            for k, kind in enumerate(kinds)})  # fmt: skip
        X_t.columns = X.columns
    elif variant == "reordered" and X.shape[1] > 1:
        X_t = X.iloc[:, ::-1]
    before_t = snapshot(X_t)
    try:
        Z = fitted.transform(X_t)
    except Exception as exc:
        assert_clear_error(exc, X_t)
        event(f"transform raised {type(exc).__name__}: {anonymous(exc, X_t)}")
        assert snapshot(X_t) == before_t
        return
    event("finite output")
    assert snapshot(X) == before and snapshot(X_t) == before_t
    assert Z.shape == (len(X_t), len(fitted.get_feature_names_out()))
    assert Z.dtype == np.dtype(params["dtype"])
    finite = np.isfinite(Z)
    if params["continuous"] == "passthrough":
        # the one documented exception: passthrough returns the user's own missing
        # values as NaN (for models that handle them); NaN exactly there, nowhere else
        positions = encoder_layout(fitted).continuous  # each in its column's place
        missing = np.zeros((len(X_t), len(positions)), dtype=bool)
        for k, j in enumerate(fitted.continuous_columns_):
            missing[:, k] = pd.isna(X_t.iloc[:, j]).to_numpy()
        np.testing.assert_array_equal(np.isnan(Z[:, positions]), missing)
        finite[:, positions] |= missing
    assert finite.all()
    buffer = io.BytesIO()
    fitted.save(buffer)
    buffer.seek(0)
    np.testing.assert_array_equal(skembed.load(buffer).transform(X_t), Z)
    as_polars = polars_copy(X_t)
    if as_polars is not None:  # the same table as a polars frame: the same output
        event("polars output compared")
        np.testing.assert_array_equal(fitted.transform(as_polars), Z)


def polars_copy(X: pd.DataFrame):
    """``X`` as a polars DataFrame with the same values, or None if polars cannot hold it."""
    try:
        import polars as pl
    except ImportError:
        return None
    for name in X.columns:  # mixed cells have no polars type; str-or-missing cells do
        cells = X[name]
        if cells.dtype == object and not all(
            isinstance(v, str) or (np.ndim(v) == 0 and pd.isna(v)) for v in cells
        ):
            return None
    try:
        return pl.from_pandas(X)
    except Exception:  # noqa: BLE001 - e.g. integers beyond int64
        return None


@settings(
    max_examples=8,
    derandomize=True,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=st.data())
@pytest.mark.filterwarnings("ignore::UserWarning")
def test_fits_in_threads_equal_the_fit_alone_on_hostile_tables(data):
    """Two fits of a drawn table in two threads give the arrays of the same fit alone."""
    from concurrent.futures import ThreadPoolExecutor

    X, _, y = data.draw(tables())
    params = {**data.draw(settings_for(X)), "random_state": 3}

    def fit():
        try:
            return [t.copy() for t in EntityEmbeddingEncoder(**params).fit(X, y).embeddings_]
        except (ValueError, TypeError) as exc:  # a clear error: the same in every thread
            return type(exc).__name__

    alone = fit()
    event("error" if isinstance(alone, str) else "fitted")
    with ThreadPoolExecutor(max_workers=2) as pool:
        together = [f.result() for f in [pool.submit(fit), pool.submit(fit)]]
    for result in together:
        if isinstance(alone, str):
            assert result == alone
        else:
            assert len(result) == len(alone)
            for a, b in zip(result, alone):
                np.testing.assert_array_equal(a, b)


@PROPERTY_SETTINGS
@given(
    categories=st.lists(
        st.one_of(TEXT, st.integers(), st.floats(allow_nan=False), st.binary(max_size=8)),
        min_size=1,
        max_size=12,
    ),
    data=st.data(),
)
def test_any_categories_round_trip_through_save(categories, data):
    """Categories of any supported type come back from save / load equal and typed."""
    rng = np.random.default_rng(0)
    cells = np.empty(len(categories) * 3, dtype=object)
    cells[:] = categories * 3
    cells = cells[rng.permutation(len(cells))]
    X = pd.DataFrame({"c": cells})
    y = rng.normal(size=len(cells))
    encoder = EntityEmbeddingEncoder(
        categorical_features=["c"], min_frequency=None, max_iter=1, hidden_layer_sizes=(2,),
        random_state=0,
    ).fit(X, y)  # fmt: skip
    buffer = io.BytesIO()
    encoder.save(buffer)
    buffer.seek(0)
    loaded = skembed.load(buffer)
    original, restored = encoder.categories_[0], loaded.categories_[0]
    assert original.dtype == restored.dtype
    assert [(type(v), v) for v in original.tolist()] == [(type(v), v) for v in restored.tolist()]
    np.testing.assert_array_equal(loaded.transform(X), encoder.transform(X))


def test_transform_is_thread_safe():
    """8 threads transforming different frames at once match one thread, every time."""
    X, y = load_adult_sample()
    encoder = EntityEmbeddingEncoder(max_iter=2, random_state=0).fit(X.iloc[:3000], y[:3000])
    rng = np.random.default_rng(0)
    frames = [X.iloc[rng.choice(len(X), 4000)] for _ in range(8)]
    frames[3] = frames[3].assign(occupation="never seen")  # unknown categories
    frames[5] = frames[5].assign(workclass=None)  # missing values
    expected = [encoder.transform(frame) for frame in frames]
    barrier = threading.Barrier(8)
    results, errors = [None] * 8, []

    def work(k):
        try:
            barrier.wait()
            for _ in range(5):
                out = encoder.transform(frames[k])
                np.testing.assert_array_equal(out, expected[k])
            results[k] = out
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    for got, want in zip(results, expected):
        np.testing.assert_array_equal(got, want)


def test_out_of_memory_inside_training_loop_keeps_previous_fit(monkeypatch):
    """An OOM raised mid-epoch by the network leaves a fitted encoder exactly as it was."""
    import torch

    from skembed import _module

    X, y = make_frame(300)
    encoder = EntityEmbeddingEncoder(max_iter=3, batch_size=32, random_state=0).fit(X, y)
    state = {k: v for k, v in vars(encoder).items()}
    expected = encoder.transform(X)
    outputs = _module.EntityEmbeddingNet.outputs  # what training calls (forward calls it too)
    calls = []

    def failing_outputs(self, *args, **kwargs):
        calls.append(1)
        if len(calls) == 4:  # the 4th batch of the first epoch
            raise torch.OutOfMemoryError("CUDA out of memory (simulated by the test)")
        return outputs(self, *args, **kwargs)

    monkeypatch.setattr(_module.EntityEmbeddingNet, "outputs", failing_outputs)
    X2, y2 = make_frame(500, seed=1)
    with pytest.raises(torch.OutOfMemoryError):
        encoder.set_params(max_iter=5).fit(X2, y2)
    assert len(calls) == 4
    assert vars(encoder).keys() == state.keys()
    for name, value in state.items():
        if name != "max_iter":
            assert vars(encoder)[name] is value, name
    np.testing.assert_array_equal(encoder.transform(X), expected)
    monkeypatch.setattr(_module.EntityEmbeddingNet, "outputs", outputs)
    encoder.fit(X2, y2)  # and the encoder is usable afterwards
    assert encoder.transform(X2).shape[0] == 500
