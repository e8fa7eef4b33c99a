"""EntityEmbeddingEncoder: learned vectors for categorical columns."""

from __future__ import annotations

import functools
import numbers
import warnings

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.multiclass import type_of_target
from sklearn.utils.validation import check_is_fitted, validate_data

from ._categories import (
    MISSING_LABEL,
    UNKNOWN_LABEL,
    Vocabulary,
    bucket_label,
    learn_vocabulary,
)
from ._containers import device_kind, is_dask_collection
from ._files import labelled_frame, vector_table
from ._output import OUTPUT_TYPES, deliver, output_kind
from ._tables import as_1d, as_table, take_rows
from ._validation import Interval, Options, validate_params
from ._values import build_lookup, is_missing, lookup_codes

__all__ = ["EntityEmbeddingEncoder", "auto_embedding_dim"]

_TRANSFORM_CHUNK = 16384  # rows gathered at a time by transform
# tables with at least this many rows train with sparse gradients under
# sparse_embeddings="auto": the measured crossover (benchmarks/huge_vocab.py)
SPARSE_MIN_ROWS = 50_000


def auto_embedding_dim(n_categories: int) -> int:
    """The ``embedding_dim="auto"`` rule: ``round(0.8 * n ** 0.56)``, at least 2.

    ``n`` is the number of kept categories of the column. This is half of
    fastai's rule of thumb ``1.6 * n ** 0.56``: the narrower vectors were part
    of the configuration that won the tuning of ``benchmarks/tune_defaults.py``
    (validation splits of three datasets), mostly through k-NN and random
    forests. The encoder caps the rule at ``max_embedding_dim`` (16 by
    default, reached at 199 categories).

    Examples
    --------
    >>> from skembed import auto_embedding_dim
    >>> [auto_embedding_dim(n) for n in (2, 10, 100, 1000)]
    [2, 3, 11, 38]
    """
    return max(2, int(round(0.8 * max(n_categories, 1) ** 0.56)))


class EntityEmbeddingEncoder(TransformerMixin, BaseEstimator):
    """Encode categorical columns as entity embeddings learned from a target.

    ``fit`` trains a small neural network (PyTorch) that predicts ``y`` from
    one embedding vector per categorical value plus the standardized
    continuous columns. ``transform`` replaces every categorical value by
    its learned vector -- a table lookup in NumPy, no network and no torch --
    and appends the continuous columns.

    Read more in the :doc:`user guide </user_guide/index>` (``docs/user_guide/``).

    Parameters
    ----------
    categorical_features : "auto", array-like of str or int, or bool mask, default="auto"
        Which columns are categorical; every other column is continuous.

        - ``"auto"``: dataframe columns of object, string, category or bool
          dtype; for a NumPy array, every column when its dtype is integer,
          bool, string or object, and none when it is float.
        - names (dataframes only), integer indices, or a boolean mask of
          length ``n_features``.

    embedding_dim : "auto", int, dict or callable, default="auto"
        Width of each column's embedding.

        - ``"auto"``: :func:`auto_embedding_dim` of the number of kept
          categories, capped at ``max_embedding_dim``.
        - int: the same width for every column.
        - dict: ``{column: width}``; columns left out use ``"auto"``.
        - callable: ``f(n_categories) -> int``, capped at
          ``max_embedding_dim``.

    max_embedding_dim : int, default=16
        Cap applied to the ``"auto"`` and callable rules. Columns of 199
        categories or more reach it; huge vocabularies stay affordable
        (a million categories at width 16 is 64 MB of float32).

    pretrained_embeddings : dict, default=None
        ``{column: table}`` vectors to start from. A table is a pandas
        DataFrame indexed by category value (one row per category, one
        column per dimension; :func:`skembed.load_word_vectors` and
        :func:`skembed.read_embeddings` return such tables) or a
        ``(categories, matrix)`` pair. Rows are matched to the column's
        categories by value, never by position; if no label matches exactly
        and the labels are strings, they are matched by ``str(category)``
        (tables read from text files). The column's width is the table's.
        Categories of the table are always kept (``min_frequency`` and
        ``max_categories`` do not pool them), also when they do not occur
        in ``fit``, so ``transform`` gives them their pretrained vector.
        Categories absent from the table get trained rows, initialised
        with the spread of the table; the unknown row starts at the table's
        mean. Keys are column names, or indices for arrays.

    separator : dict, default=None
        ``{column: separator}``: these columns hold strings of several
        categories, such as ``"Comedy|Romance"`` with ``{"genres": "|"}``,
        embedded as a *bag* (see below). Empty tokens are ignored.

    bag_mode : {"mean", "sum"}, default="mean"
        How a bag column (list-valued cells, or strings split by
        ``separator``) turns the vectors of its categories into one vector per
        row: their mean or their sum (``torch.nn.EmbeddingBag`` in training,
        a sparse product in ``transform``). Cells that are lists or NumPy
        arrays (pandas object columns, polars List, pyarrow list) are bags
        without any setting; a tuple is hashable, so it stays one category.
        A missing cell, an empty list, or a list of missing values gets the
        *missing* row; unseen tokens count as the *unknown* row.
        ``min_frequency`` counts rows holding the category.

    freeze_pretrained : bool or list, default=False
        Keep the pretrained rows fixed during training: ``True`` for every
        column of ``pretrained_embeddings``, or a list of those columns.
        Frozen rows are bit-identical after ``fit``; the other rows of the
        table (absent categories, unknown, missing) still train.

    sparse_embeddings : "auto" or bool, default="auto"
        Train tables with sparse gradients (``torch.optim.SparseAdam``: each
        step updates only the rows in the batch) instead of dense Adam, which
        touches every row at every step. ``"auto"``: tables of at least
        50,000 rows, where sparse steps measured faster (2 ms against 75 ms a
        step for a million rows on 2 CPU cores). ``alpha`` (weight decay)
        does not apply to sparse tables.

    cv : int, cross-validation splitter or iterable of splits, default=None
        Cross-fitting in ``fit_transform``, against the leakage of the
        training rows' own targets into their embeddings. ``None`` (the
        default): ``fit_transform(X, y)`` equals ``fit(X, y).transform(X)``.
        With ``cv`` (k folds, a splitter such as ``KFold``, or a list of
        ``(train, test)`` index pairs; stratified for classification when an
        int), ``fit_transform`` also fits one encoder
        per fold on the other folds, aligns each fold's tables to the full
        model's coordinates (an orthogonal Procrustes rotation plus
        translation fitted on the categories both know, weighted by their
        frequency), and encodes every training row with the fold model that
        did not see it. The fitted encoder is the full model, so ``transform``
        is unchanged. Costs ``k + 1`` fits. Ignored by ``fit(X)`` without y.

    min_frequency : int or float, default=5
        A category seen fewer times than this in ``fit`` (an int count, or a
        float fraction of the rows) gets no row of its own: it is pooled into
        the column's *unknown* row, which is thereby trained and serves
        categories never seen in ``fit``. ``None`` keeps every category.

    max_categories : int, default=None
        Keep at most this many of the most frequent categories per column
        (the unknown and missing rows not counted); the rest are pooled.

    hash_buckets : int or dict, default=None
        For huge or open vocabularies: give each column (int), or the
        columns of a ``{column: k}`` dict, ``k`` trained *hash bucket* rows.
        A category without a row of its own -- pooled by ``min_frequency`` /
        ``max_categories`` in ``fit``, or never seen -- goes to bucket
        ``hash(category) % k`` instead of the single unknown row, so rare
        categories keep part of their identity. The hash (SipHash of the
        category's text under a fixed key) gives the same bucket on every
        machine and Python run. During training ``unknown_rate`` sends kept
        categories to their bucket, which trains the buckets even when
        nothing was pooled. The unknown row then holds the buckets' mean.

    handle_unknown : {"embed", "error"}, default="embed"
        What ``transform`` does with a category never seen in ``fit``:
        ``"embed"`` gives it the unknown row, ``"error"`` raises a
        ``ValueError`` naming the column and the values. Categories pooled
        by ``min_frequency`` / ``max_categories`` were seen and never raise.

    continuous : {"scale", "passthrough", "drop"}, default="scale"
        What ``transform`` outputs for the continuous columns, after the
        embeddings. ``"scale"``: standardized with the mean and standard
        deviation of ``fit``, missing values replaced by the mean (0), the
        same values the network saw; ready for linear models and k-NN.
        ``"passthrough"``: the values as given (missing values stay NaN).
        ``"drop"``: left out. Datetimes count as seconds since 1970-01-01
        (UTC) and durations as seconds; infinite values, and values that
        would overflow ``dtype``, raise a ``ValueError`` naming the column.

    target_type : {"auto", "binary", "multiclass", "continuous"}, default="auto"
        Type of ``y`` and hence the loss: binary cross-entropy, softmax
        cross-entropy or mean squared error (on standardized targets).
        ``"auto"`` uses :func:`sklearn.utils.multiclass.type_of_target`; a
        multilabel indicator matrix trains one binary output per column and
        a 2-D float ``y`` one regression output per column. Set
        ``"continuous"`` for integer targets such as ratings.

    hidden_layer_sizes : sequence of int, default=(128, 64)
        Hidden layers of the network; each is Linear, BatchNorm, ReLU,
        Dropout.

    dropout : float, default=0.1
        Dropout after each hidden layer.

    embedding_dropout : float, default=0.1
        Dropout on the concatenated embedding vectors.

    unknown_rate : float, default=0.01
        During training, each categorical value is replaced by its column's
        unknown row with this probability, so that the unknown row learns
        "some category of this column" even when no category was pooled.

    alpha : float, default=1e-3
        L2 penalty (weight decay of Adam) on the network's weights. The
        embedding tables get none: with Adam, decay on a row absent from the
        batch pulls it towards zero at every step, erasing rare categories
        (and pretrained rows) between their appearances.

    batch_size : int or "auto", default="auto"
        Rows per optimisation step. ``"auto"``: 128 when training on the CPU
        (chosen by ``benchmarks/tune_defaults.py``); on a CUDA GPU, whose
        throughput needs large batches, the training rows divided by 32
        (at least 32 steps per epoch), clipped to [128, 8192] -- 8192 for
        Dask input. At the same learning rate, 8192 gave embeddings of the
        same quality on the quality benchmark's data
        (``benchmarks/results/batch_size.md``). The size used is
        ``batch_size_``.

    learning_rate_init : float, default=3e-3
        Learning rate of Adam.

    max_iter : int, default=100
        Maximum number of epochs.

    early_stopping : bool, default=True
        Hold out ``validation_fraction`` of the rows, stop when the
        validation score has not improved by ``tol`` for
        ``n_iter_no_change`` epochs and restore the weights of the best
        epoch. When False (or the data are too small to hold out rows),
        training stops on the training loss instead, keeping the last
        weights.

    validation_fraction : float, default=0.1
        Share of the rows held out for early stopping.

    n_iter_no_change : int, default=5
        Epochs without improvement before stopping.

    tol : float, default=1e-4
        Minimum improvement of the score that counts.

    device : str, default="auto"
        Where the network trains: ``"auto"`` (CUDA when available, else
        CPU), ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ... The training data are
        moved to the device once (device-resident input -- a torch tensor,
        CuPy array or cuDF DataFrame -- is not copied if it is already
        there; its codes and continuous columns are computed on its own
        device, and only ``y`` and ``sample_weight`` are read on the host).
        The fitted encoder holds NumPy arrays only, whatever the device.

    mixed_precision : {None, "bf16", "fp16"}, default=None
        Train the network's linear layers in bfloat16 or float16 under
        ``torch.autocast`` (embedding lookups, batch normalisation, the loss,
        the parameters and the optimiser stay in float32; ``"fp16"`` scales
        the loss against gradient underflow). Meant for CUDA GPUs with tensor
        cores, where it speeds up large batches; on the CPU it is allowed
        but usually slower. The fitted tables are float32 either way.

    dtype : numpy.float32 or numpy.float64, default=numpy.float32
        Dtype of the output of ``transform``.

    random_state : int, RandomState instance or None, default=None
        Seeds the validation split, weight initialisation, shuffling and
        dropout. With an int, CPU fits are bitwise identical run to run. CUDA
        fits use the same seeds, but some CUDA kernels (the scatter-adds of
        the embedding gradients) sum in a varying order, so two CUDA fits
        agree to float rounding rather than bit for bit, and a CUDA fit is
        close to, not equal to, the CPU fit. torch's global random state is
        left untouched.

    verbose : int, default=0
        1 or more shows a progress bar with the loss and validation score
        of each epoch.

    partitions_per_buffer : int, default=4
        Dask input only. ``fit`` streams the training partitions through the
        network this many at a time: they are computed, encoded, concatenated
        and shuffled together on the device while the next buffer is
        computed in the background, so at most two buffers of rows are in
        memory. Each epoch visits the partitions in a new random order; with
        ``early_stopping``, ``validation_fraction`` of the partitions (at
        least one, when there are two or more) are held out and scored after
        every epoch. Larger buffers mix rows of more partitions into each
        batch, for more memory.

    output_type : {"input", "numpy", "torch", "cupy", "cudf"}, default="input"
        The container ``transform`` and ``fit_transform`` return. ``"input"``
        follows the input, as cuML does: a torch tensor in gives a torch
        tensor on the same device, a CuPy array a CuPy array, a cuDF
        DataFrame a cuDF DataFrame (columns ``get_feature_names_out()``, the
        input's index); NumPy, pandas, polars and lists give a NumPy array
        (or the ``set_output`` container). Device-resident input is encoded
        on its device -- the table lookup is a gather there -- and shares its
        memory with the output (DLPack), without a copy to the host (cuDF list
        and ``separator`` columns aside: they are split on the host). The
        other values force a container: ``"numpy"`` copies device results to
        the host; ``"torch"`` wraps host results without a copy;
        ``"cupy"`` and ``"cudf"`` move host results to the current CUDA
        device and need the ``gpu`` extra (``pip install "skembed[gpu]"``).
        ``set_output`` applies to NumPy results only.

    Attributes
    ----------
    categorical_columns_ : ndarray of int
        Indices of the categorical columns in ``X``.

    continuous_columns_ : ndarray of int
        Indices of the continuous columns in ``X``.

    categories_ : list of ndarray
        ``categories_[i]`` are the kept categories of the ``i``-th
        categorical column, sorted.

    infrequent_categories_ : list of ndarray
        Categories seen in ``fit`` but pooled into the unknown row.

    hash_buckets_ : list of int
        Number of hash-bucket rows of each categorical column (0: none).

    bag_columns_ : ndarray of int
        Indices (into ``X``) of the categorical columns embedded as bags.

    category_counts_ : list of ndarray of int64
        ``category_counts_[i][k]``: rows of ``fit`` with category
        ``categories_[i][k]`` (0 for categories only in a pretrained table).

    embeddings_ : list of ndarray of shape (len(categories_[i]) + 2 + hash_buckets_[i], dim_i)
        ``embeddings_[i][k]`` is the vector of ``categories_[i][k]``; row
        ``len(categories_[i])`` is the *unknown* row (pooled and unseen
        categories) and the next one the *missing* row, followed by the hash
        bucket rows, if any. If ``fit`` saw no
        missing value in a column, its missing row is a copy of the unknown
        row. If the unknown row received no training (no pooled category
        and ``unknown_rate=0``), it is the frequency-weighted mean of the
        category rows.

    embedding_dims_ : list of int
        Width of each categorical column's embedding.

    continuous_mean_, continuous_scale_ : ndarray of shape (n_continuous,)
        Statistics used to standardize the continuous columns.

    target_type_ : str
        ``"binary"``, ``"multiclass"``, ``"multilabel-indicator"``,
        ``"continuous"``, or ``"self-supervised"`` after ``fit(X)``.

    classes_ : ndarray or None
        Class labels for binary and multiclass targets, else None.

    loss_curve_ : list of float
        Training loss of each epoch.

    validation_scores_ : list of float or None
        Negative validation loss of each epoch (higher is better), or None
        without early stopping.

    n_iter_ : int
        Epochs run; 0 when there is no categorical column to embed.

    best_iter_ : int
        Epoch whose weights were kept.

    batch_size_ : int
        Rows per optimisation step used by the fit (``batch_size``, or what
        ``"auto"`` chose for the device); 0 when nothing was trained.

    n_features_in_ : int
        Number of columns seen in ``fit``.

    feature_names_in_ : ndarray of str
        Column names seen in ``fit``, when they are all strings.

    See Also
    --------
    sklearn.preprocessing.TargetEncoder : one number per category and class.
    sklearn.preprocessing.OneHotEncoder : one column per category.

    Notes
    -----
    ``fit_transform(X, y)`` equals ``fit(X, y).transform(X)``: the rows used
    to train the embeddings are encoded with them.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skembed import EntityEmbeddingEncoder
    >>> rng = np.random.RandomState(0)
    >>> city = rng.choice(["paris", "rome", "oslo", "lima"], size=300)
    >>> X = pd.DataFrame({"city": city, "age": rng.uniform(20, 60, size=300)})
    >>> y = (city == "rome") | (X["age"] > 50)
    >>> enc = EntityEmbeddingEncoder(embedding_dim=2, max_iter=5, random_state=0)
    >>> Z = enc.fit_transform(X, y)
    >>> Z.shape
    (300, 3)
    >>> enc.get_feature_names_out().tolist()
    ['city_emb0', 'city_emb1', 'age']
    >>> enc.categories_[0].tolist()
    ['lima', 'oslo', 'paris', 'rome']
    >>> enc.get_embeddings("city").index.tolist()
    ['lima', 'oslo', 'paris', 'rome', '<unknown>', '<missing>']
    """

    _parameter_constraints: dict = {
        "categorical_features": [Options({"auto"}), "array-like"],
        "embedding_dim": [
            Options({"auto"}),
            Interval(numbers.Integral, 1, None),
            dict,
            "callable",
        ],
        "pretrained_embeddings": [dict, None],
        "freeze_pretrained": ["boolean", "array-like"],
        "separator": [dict, None],
        "bag_mode": [Options({"mean", "sum"})],
        "hash_buckets": [Interval(numbers.Integral, 1, None), dict, None],
        "sparse_embeddings": [Options({"auto"}), "boolean"],
        "cv": [None, Interval(numbers.Integral, 2, None), "cv object"],
        "max_embedding_dim": [Interval(numbers.Integral, 1, None)],
        "min_frequency": [
            Interval(numbers.Integral, 1, None),
            Interval(numbers.Real, 0, 1, closed="neither"),
            None,
        ],
        "max_categories": [Interval(numbers.Integral, 1, None), None],
        "handle_unknown": [Options({"embed", "error"})],
        "continuous": [Options({"scale", "passthrough", "drop"})],
        "target_type": [Options({"auto", "binary", "multiclass", "continuous"})],
        "hidden_layer_sizes": ["int sequence"],
        "dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "embedding_dropout": [Interval(numbers.Real, 0, 1, closed="left")],
        "unknown_rate": [Interval(numbers.Real, 0, 1, closed="left")],
        "alpha": [Interval(numbers.Real, 0, None)],
        "batch_size": [Interval(numbers.Integral, 1, None), Options({"auto"})],
        "learning_rate_init": [Interval(numbers.Real, 0, None, closed="neither")],
        "max_iter": [Interval(numbers.Integral, 1, None)],
        "early_stopping": ["boolean"],
        "validation_fraction": [Interval(numbers.Real, 0, 1, closed="neither")],
        "n_iter_no_change": [Interval(numbers.Integral, 1, None)],
        "tol": [Interval(numbers.Real, 0, None)],
        "device": [str],
        "dtype": ["float dtype"],
        "random_state": ["random_state"],
        "verbose": ["boolean", Interval(numbers.Integral, 0, None)],
        "partitions_per_buffer": [Interval(numbers.Integral, 1, None)],
        "output_type": [Options(set(OUTPUT_TYPES))],
        "mixed_precision": [Options({"bf16", "fp16"}), None],
    }

    def __init__(
        self,
        *,
        categorical_features="auto",
        embedding_dim="auto",
        max_embedding_dim=16,
        pretrained_embeddings=None,
        freeze_pretrained=False,
        separator=None,
        bag_mode="mean",
        hash_buckets=None,
        sparse_embeddings="auto",
        cv=None,
        min_frequency=5,
        max_categories=None,
        handle_unknown="embed",
        continuous="scale",
        target_type="auto",
        hidden_layer_sizes=(128, 64),
        dropout=0.1,
        embedding_dropout=0.1,
        unknown_rate=0.01,
        alpha=1e-3,
        batch_size="auto",
        learning_rate_init=3e-3,
        max_iter=100,
        early_stopping=True,
        validation_fraction=0.1,
        n_iter_no_change=5,
        tol=1e-4,
        device="auto",
        dtype=np.float32,
        random_state=None,
        verbose=0,
        partitions_per_buffer=4,
        output_type="input",
        mixed_precision=None,
    ):
        self.categorical_features = categorical_features
        self.embedding_dim = embedding_dim
        self.max_embedding_dim = max_embedding_dim
        self.pretrained_embeddings = pretrained_embeddings
        self.freeze_pretrained = freeze_pretrained
        self.separator = separator
        self.bag_mode = bag_mode
        self.hash_buckets = hash_buckets
        self.sparse_embeddings = sparse_embeddings
        self.cv = cv
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.handle_unknown = handle_unknown
        self.continuous = continuous
        self.target_type = target_type
        self.hidden_layer_sizes = hidden_layer_sizes
        self.dropout = dropout
        self.embedding_dropout = embedding_dropout
        self.unknown_rate = unknown_rate
        self.alpha = alpha
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose
        self.partitions_per_buffer = partitions_per_buffer
        self.output_type = output_type
        self.mixed_precision = mixed_precision

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.target_tags.required = False  # fit(X) alone trains by predicting columns
        # the output dtype is the `dtype` parameter, whatever the input dtype
        tags.transformer_tags.preserves_dtype = []
        return tags

    # ------------------------------------------------------------------ fit

    def fit(self, X, y=None, sample_weight=None):
        """Learn the categories and train their embeddings to predict ``y`` (or ``X``).

        Parameters
        ----------
        X : {pandas DataFrame, polars DataFrame, array-like} of shape (n_samples, n_features)
            The data. Categorical columns may hold strings, ints, bools,
            floats or a mix; missing values are None, NaN, pd.NA, NaT or
            polars null.
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
            The target the network learns to predict. Without one
            (``fit(X)``), the embeddings are learned *self-supervised*: each
            row hides one of its categorical columns (one category per row;
            list columns are inputs only) behind the column's unknown row,
            and the network predicts the hidden category from the other
            columns by scoring it against that column's own table -- a
            softmax over the table up to 2,048 rows, negative sampling (20
            negatives drawn by frequency ** 0.75) beyond. Categories that
            co-occur with the same values of the other columns end up close.
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in the loss (and in the statistics of the
            continuous columns).

        Returns
        -------
        self : EntityEmbeddingEncoder
            Fitted encoder. If ``fit`` raises (or is interrupted), an encoder
            fitted before keeps its previous state.
        """
        self.__dict__.pop("_device_tables", None)  # device copies of the old tables
        if is_dask_collection(X):
            from ._dask import fit_dask

            self._all_or_nothing(fit_dask, self, X, y, sample_weight)
        else:
            self._all_or_nothing(self._fit, X, y, sample_weight)
        return self

    def _all_or_nothing(self, step, *args) -> None:
        """Run ``step(*args)``; if it raises (or is interrupted), restore the prior state."""
        snapshot = dict(self.__dict__)
        try:
            step(*args)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(snapshot)
            raise

    def _fit(self, X, y, sample_weight):
        validate_params(self)
        table = as_table(X)
        validate_data(self, table.data, reset=True, skip_check_array=True)
        n = table.n_rows
        weight = self._check_sample_weight(sample_weight, n)
        if y is None:  # learn the embeddings by predicting masked columns
            target, task, n_outputs = np.zeros((n, 1), np.float32), "self-supervised", None
            self.target_type_, self.classes_ = "self-supervised", None
        else:
            target, task, n_outputs = self._encode_target(y, n, weight)

        is_cat = self._categorical_mask(table)
        self.categorical_columns_ = np.flatnonzero(is_cat)
        self.continuous_columns_ = np.flatnonzero(~is_cat)

        cont = self._continuous_matrix(table)
        if table.on_device:  # the data stay on their device; statistics come back
            from . import _device

            self.continuous_mean_, self.continuous_scale_ = _device.weighted_mean_std(cont, weight)
            scaled = self._scale(cont).float()
        else:
            self.continuous_mean_, self.continuous_scale_ = _weighted_mean_std(cont, weight)
            scaled = self._scale(cont).astype(np.float32)

        separators = self._separators(table)
        self.bag_columns_ = np.array(
            [j for j in self.categorical_columns_ if j in separators or table.is_list(j)],
            dtype=np.int64,
        )
        pretrained, frozen = self._pretrained_tables(table)
        self.hash_buckets_ = self._buckets(table)
        self.categories_, self.infrequent_categories_ = [], []
        values = []  # per column: table row of each value (of each token for bags)
        cells = {}  # per bag column: row of X of each token
        n_missing = []
        for i, j in enumerate(self.categorical_columns_):
            if j in self.bag_columns_:
                cells[i], codes, uniques = table.bag(j, separators.get(j))
            else:
                codes, uniques = table.factorize(j)
            if len(uniques) == 0:
                raise ValueError(
                    f"Categorical column {table.column_label(j)} has only missing values "
                    "(or empty lists) in fit, so there is nothing to embed. Drop the column "
                    "or fill its missing values."
                )
            if i in pretrained:
                pretrained[i] = _match_labels(table, j, uniques, *pretrained[i])
            options = dict(
                min_frequency=self.min_frequency,
                max_categories=self.max_categories,
                always_keep=pretrained[i][0] if i in pretrained else None,
                n_rows=n,
                n_buckets=self.hash_buckets_[i],
            )
            if table.on_device and i not in cells:
                vocabulary, value_rows = _device.learn_vocabulary(codes, uniques, **options)
            else:
                vocabulary, value_rows = learn_vocabulary(
                    codes,
                    uniques,
                    count_codes=_per_row(cells[i], codes, len(uniques)) if i in cells else None,
                    **options,
                )
            self.categories_.append(vocabulary.categories)
            self.infrequent_categories_.append(vocabulary.infrequent)
            values.append(value_rows)
            if i in cells:  # rows of X without any token use the missing row
                n_missing.append(n - len(np.unique(cells[i])))
            else:
                n_missing.append(vocabulary.n_missing)
        self.category_counts_ = []
        for i, cats in enumerate(self.categories_):
            rows_of = values[i]
            if i in cells:  # rows holding the category, not tokens
                rows_of = _per_row(cells[i], rows_of, int(rows_of.max(initial=0)) + 1)
            counts = _bincount(rows_of, len(cats))[: len(cats)]
            self.category_counts_.append(counts.astype(np.int64))
        self.embedding_dims_ = [
            self._embedding_dim_for(table, j, len(cats), pretrained.get(i))
            for i, (j, cats) in enumerate(zip(self.categorical_columns_, self.categories_))
        ]
        self.loss_curve_, self.validation_scores_ = [], None
        self.n_iter_ = self.best_iter_ = self.batch_size_ = 0
        self.embeddings_ = []
        if len(self.categorical_columns_) and n < 2:
            raise ValueError(
                "Training embeddings needs at least 2 samples, got n_samples = 1. Fit on "
                "more rows."
            )
        only_bags = len(self.categorical_columns_) == len(self.bag_columns_) > 0
        if task == "self-supervised" and only_bags:
            names = [table.column_label(j) for j in self.bag_columns_]
            raise ValueError(
                "fit(X) without y learns embeddings by predicting each categorical column "
                "from the others, so it needs a categorical column with one category per "
                f"row; the categorical columns of X ({', '.join(names)}) are all list-valued. "
                "Pass y, or add a categorical column."
            )
        if len(self.categorical_columns_):
            self._train(
                values, cells, scaled, target, weight, task, n_outputs, n_missing, pretrained,
                frozen,
            )  # fmt: skip
        return self

    def _train(
        self, values, cells, scaled, target, weight, task, n_outputs, n_missing, pretrained,
        frozen,
    ):  # fmt: skip
        from ._training import train  # torch is imported here, not at import

        n = len(target)
        vocabularies = [self._vocabulary(i) for i in range(len(self.categories_))]
        table_sizes = [vocabulary.n_rows for vocabulary in vocabularies]
        single = [i for i in range(len(table_sizes)) if i not in cells]
        if single and not isinstance(values[single[0]], np.ndarray):  # on a device
            from ._device import stack_rows

            rows = stack_rows([values[i] for i in single])
        else:
            rows = np.empty((n, len(single)), dtype=np.int64)
            for k, i in enumerate(single):
                rows[:, k] = values[i]
        bags = [
            _padded_bags(cells[i], values[i], n, table_sizes[i], vocabularies[i].missing_row)
            for i in sorted(cells)
        ]
        replacements = [_replacement_rows(v, i in cells) for i, v in enumerate(vocabularies)]
        row_counts = [_bincount(v, size) for v, size in zip(values, table_sizes)]
        self_supervision = None
        if task == "self-supervised":
            self_supervision, n_outputs = self._self_supervision(vocabularies, single, row_counts)
        bag_modes = [self.bag_mode if i in cells else None for i in range(len(table_sizes))]
        config = self._training_config()
        on_gpu = not isinstance(rows, np.ndarray) and rows.device.type == "cuda"
        if on_gpu and config.device == "auto":  # train where the data are (say cuda:1)
            config.device = str(rows.device)
        initial, frozen_rows = [None] * len(table_sizes), [None] * len(table_sizes)
        for i, (labels, matrix) in pretrained.items():
            initial[i], positions = _initial_table(
                vocabularies[i], labels, matrix, config.seed + i
            )
            if i in frozen:
                frozen_rows[i] = positions
        result = train(
            rows,
            scaled,
            target,
            weight.astype(np.float32),
            task=task,
            n_outputs=n_outputs,
            table_sizes=table_sizes,
            embedding_dims=self.embedding_dims_,
            config=config,
            initial_tables=initial,
            frozen_rows=frozen_rows,
            bags=bags,
            bag_modes=bag_modes,
            replacements=replacements,
            self_supervision=self_supervision,
        )
        self._keep_training_result(result, vocabularies, row_counts, n_missing, config)

    def _self_supervision(self, vocabularies, single, row_counts):
        """How fit(X) masks and predicts the single columns, and the network's output width."""
        from ._training import SelfSupervision

        weights = []
        for i in single:
            counts = row_counts[i].astype(np.float64)
            counts[vocabularies[i].missing_row] = 0.0
            weights.append(counts**0.75)
        spec = SelfSupervision(
            mask_rows=[vocabularies[i].unknown_row for i in single],
            missing_rows=[vocabularies[i].missing_row for i in single],
            sampling_weights=weights,
        )
        return spec, max(self.embedding_dims_[i] for i in single)

    def _training_config(self):
        from ._training import TrainingConfig

        return TrainingConfig(
            hidden_layer_sizes=tuple(int(h) for h in self.hidden_layer_sizes),
            dropout=float(self.dropout),
            embedding_dropout=float(self.embedding_dropout),
            unknown_rate=float(self.unknown_rate),
            alpha=float(self.alpha),
            batch_size=None if self.batch_size == "auto" else int(self.batch_size),
            learning_rate_init=float(self.learning_rate_init),
            max_iter=int(self.max_iter),
            early_stopping=bool(self.early_stopping),
            validation_fraction=float(self.validation_fraction),
            n_iter_no_change=int(self.n_iter_no_change),
            tol=float(self.tol),
            verbose=int(self.verbose),
            device=self.device,
            seed=_seed_from(self.random_state),
            mixed_precision=self.mixed_precision,
            sparse_min_rows=SPARSE_MIN_ROWS
            if self.sparse_embeddings == "auto"
            else (0 if self.sparse_embeddings else None),
        )

    def _keep_training_result(self, result, vocabularies, row_counts, n_missing, config):
        """Store the trained tables (unknown and missing rows completed) and curves.

        ``row_counts[i]``: how many training values fell on each row of table ``i``.
        """
        embeddings = []
        for i, table in enumerate(result.embeddings):
            vocabulary = vocabularies[i]
            counts = row_counts[i]
            if vocabulary.n_buckets:  # nothing maps to the unknown row: the buckets' mean
                buckets = slice(vocabulary.missing_row + 1, vocabulary.n_rows)
                weight = counts[buckets].astype(np.float64) + 1.0
                table[vocabulary.unknown_row] = weight @ table[buckets] / weight.sum()
            elif len(vocabulary.infrequent) == 0 and config.unknown_rate == 0:
                known = counts[: vocabulary.unknown_row].astype(np.float64)
                table[vocabulary.unknown_row] = (
                    known @ table[: vocabulary.unknown_row] / max(known.sum(), 1.0)
                )
            if n_missing[i] == 0:
                table[vocabulary.missing_row] = table[vocabulary.unknown_row]
            embeddings.append(np.ascontiguousarray(table, dtype=np.float32))
        self.embeddings_ = embeddings
        self.loss_curve_ = result.loss_curve
        self.validation_scores_ = result.validation_scores
        self.n_iter_ = result.n_iter
        self.best_iter_ = result.best_iter
        self.batch_size_ = result.batch_size

    # ------------------------------------------------------------ transform

    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then encode ``X`` -- out of fold when ``cv`` is set.

        Parameters
        ----------
        X : {pandas DataFrame, polars DataFrame, array-like} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
        **fit_params : dict
            ``sample_weight``, passed to ``fit``.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            ``fit(X, y).transform(X)`` when ``cv`` is None or ``y`` is None;
            otherwise each row encoded by the fold model that did not see it,
            in the full model's coordinates (see ``cv``).
        """
        return self._fit_transform(X, y, **fit_params)

    def _fit_transform(self, X, y=None, **fit_params):
        self.fit(X, y, **fit_params)
        out = self._transform(X)
        if self.cv is not None and y is not None and len(self.categorical_columns_):
            self._all_or_nothing(self._cross_fit, X, y, fit_params.get("sample_weight"), out)
        return self._deliver(out, X)

    def _cross_fit(self, X, y, sample_weight, out):
        """Overwrite the embedding blocks of ``out`` with aligned out-of-fold vectors."""
        from sklearn.base import clone
        from sklearn.model_selection import check_cv

        y = as_1d(y)
        n = len(y)
        classifier = self.target_type_ in ("binary", "multiclass")
        splitter = check_cv(self.cv, y, classifier=classifier)
        names = self._input_names(None)
        keys = [
            names[j] if hasattr(self, "feature_names_in_") else int(j)
            for j in self.categorical_columns_
        ]
        fold_params = dict(cv=None, embedding_dim=dict(zip(keys, self.embedding_dims_)))
        starts = np.concatenate([[0], np.cumsum(self.embedding_dims_)])
        for train_idx, test_idx in splitter.split(np.zeros((n, 1)), y):
            fold = clone(self).set_params(**fold_params)
            weight = None if sample_weight is None else as_1d(sample_weight)[train_idx]
            fold.fit(take_rows(X, train_idx), y[train_idx], sample_weight=weight)
            for i in range(len(self.categories_)):
                fold.embeddings_[i] = _aligned(fold, self, i)
            held_out = fold._transform(take_rows(X, test_idx))
            if not isinstance(out, np.ndarray):  # a tensor on the data's device
                from ._device import index_rows

                test_idx = index_rows(out, test_idx)
            out[test_idx, : starts[-1]] = held_out[:, : starts[-1]]

    def transform(self, X):
        """Replace every categorical value by its embedding vector.

        Parameters
        ----------
        X : {pandas DataFrame, polars DataFrame, array-like} of shape (n_samples, n_features)
            Same columns as in ``fit``.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            The embedding blocks of the categorical columns, in column order,
            then the continuous columns (see ``continuous``). Dtype
            ``dtype``. A pandas or polars DataFrame under ``set_output``.
        """
        check_is_fitted(self, "embeddings_")
        return self._deliver(self._transform(X), X)

    def _deliver(self, out, X):
        """``transform``'s result (NumPy, or a tensor on a device) as ``output_type`` asks."""
        kind = output_kind(self.output_type, device_kind(X))
        if kind == "numpy" and isinstance(out, np.ndarray):
            return out
        names = self.get_feature_names_out() if kind == "cudf" else None
        return deliver(out, kind, names, X)

    def _transform(self, X):
        """``transform`` of in-memory input without output conversion.

        A NumPy array, or for device-resident input a torch tensor on its device.
        """
        table = as_table(X)
        validate_data(self, table.data, reset=False, skip_check_array=True)
        if table.on_device:
            return self._transform_on_device(table)
        n = table.n_rows
        dtype = np.dtype(self.dtype)
        width = sum(self.embedding_dims_)
        n_cont = 0 if self.continuous == "drop" else len(self.continuous_columns_)
        out = np.empty((n, width + n_cont), dtype=dtype)
        rows_per_column = []
        separators = self._separators(table)
        bag_columns = getattr(self, "bag_columns_", ())
        for i, j in enumerate(self.categorical_columns_):
            if j in bag_columns:
                cell, codes, uniques = table.bag(j, separators.get(j))
            else:
                codes, uniques = table.factorize(j)
            vocabulary = self._vocabulary(i)
            rows, unseen = vocabulary.encode(codes, uniques)
            self._check_unseen(table, j, unseen)
            if j in bag_columns:  # already the output block: one vector per row of X
                rows = _bag_vectors(
                    self.embeddings_[i], cell, rows, n, self.bag_mode, vocabulary.missing_row
                )
            rows_per_column.append(rows)
        # gather in blocks of rows: temporaries stay small and are reused, instead of
        # one freshly allocated (page-faulting) array per column as large as the output
        for begin in range(0, n, _TRANSFORM_CHUNK):
            end = min(begin + _TRANSFORM_CHUNK, n)
            start = 0
            for embedding, rows in zip(self.embeddings_, rows_per_column):
                dim = embedding.shape[1]
                if rows.ndim == 2:  # a bag column's vectors
                    out[begin:end, start : start + dim] = rows[begin:end]
                else:
                    out[begin:end, start : start + dim] = np.take(embedding, rows[begin:end], 0)
                start += dim
        if n_cont:
            out[:, width:] = self._continuous_output(table, dtype)
        return out

    def _transform_on_device(self, table):
        """``_transform`` of a :class:`DeviceTable`: every step runs on the data's device."""
        from . import _device

        n = table.n_rows
        dtype = np.dtype(self.dtype)
        width = sum(self.embedding_dims_)
        n_cont = 0 if self.continuous == "drop" else len(self.continuous_columns_)
        out = _device.empty(n, width + n_cont, dtype, table.device)
        start = 0
        need_unseen = self.handle_unknown == "error"
        bag_columns = getattr(self, "bag_columns_", ())
        separators = self._separators(table) if len(bag_columns) else {}
        for i, j in enumerate(self.categorical_columns_):
            vocabulary = self._vocabulary(i)
            dim = self.embeddings_[i].shape[1]
            if j in bag_columns:  # a cuDF list column: split and reduced on the host
                cell, codes, uniques = table.bag(j, separators.get(j))
                rows, unseen = vocabulary.encode(codes, uniques)
                self._check_unseen(table, j, unseen)
                vectors = _bag_vectors(
                    self.embeddings_[i], cell, rows, n, self.bag_mode, vocabulary.missing_row
                )
                out[:, start : start + dim] = _device.to_tensor_like(vectors, out)
                start += dim
                continue
            numeric = table.numeric_column(j)
            index = None
            if numeric is not None and not numeric.dtype.is_complex:
                floating = numeric.dtype.is_floating_point
                index = self._device_cached(
                    ("search", i, str(numeric.device), floating),
                    vocabulary.categories,
                    _device.search_index,
                    vocabulary,
                    floating,
                    numeric.device,
                )
            if index is not None:  # a binary search per value, no sort of the column
                encoded = _device.encode_numeric(
                    vocabulary, numeric, index, need_unseen or vocabulary.n_buckets > 0
                )
            else:
                encoded = _device.encode(vocabulary, *table.factorize(j))
            rows, unseen = encoded
            self._check_unseen(table, j, unseen)
            vectors = self._device_cached(
                ("table", i, str(out.device), str(out.dtype)),
                self.embeddings_[i],
                _device.to_tensor_like,
                self.embeddings_[i],
                out,
            )
            out[:, start : start + dim] = vectors.index_select(0, rows)
            start += dim
        if n_cont:
            out[:, width:] = self._continuous_output(table, dtype)
        return out

    def _continuous_output(self, table, dtype):
        """The continuous output columns: scaled or passed through, checked to fit ``dtype``."""
        cont = self._continuous_matrix(table)
        values = self._scale(cont) if self.continuous == "scale" else cont
        self._check_fits_dtype(table, values, dtype)
        return values

    def _device_cached(self, key, source, make, *args):
        """``make(*args)``, kept per ``key`` while ``source`` is the same object.

        What device transforms reuse between calls: the tables on the device
        (``source``: ``embeddings_[i]``) and the sorted categories searched by
        numeric columns (``source``: ``categories_[i]``). Not pickled; ``fit``
        drops it.
        """
        cache = self.__dict__.setdefault("_device_tables", {})
        held, value = cache.get(key, (None, None))
        if held is not source:
            value = make(*args)
            cache[key] = (source, value)
        return value

    def _check_unseen(self, table, j, unseen) -> None:
        """Under ``handle_unknown="error"``, raise if column ``j`` had unseen categories."""
        if len(unseen) and self.handle_unknown == "error":
            shown = ", ".join(repr(v) for v in unseen[:5])
            more = f" and {len(unseen) - 5} more" if len(unseen) > 5 else ""
            raise ValueError(
                f"Found unknown categories in column {table.column_label(j)} during "
                f"transform: {shown}{more}. They were not seen in fit. Use "
                "handle_unknown='embed' to give them the trained unknown vector."
            )

    def get_feature_names_out(self, input_features=None):
        """Names of the output columns.

        Parameters
        ----------
        input_features : array-like of str, default=None
            Input column names; defaults to ``feature_names_in_`` or
            ``["x0", "x1", ...]``.

        Returns
        -------
        names : ndarray of str
            ``f"{column}_emb{k}"`` for each embedding dimension, then the
            names of the continuous columns (unless ``continuous="drop"``).
        """
        check_is_fitted(self, "embeddings_")
        names = self._input_names(input_features)
        out = [
            f"{names[j]}_emb{k}"
            for j, dim in zip(self.categorical_columns_, self.embedding_dims_)
            for k in range(dim)
        ]
        if self.continuous != "drop":
            out += [names[j] for j in self.continuous_columns_]
        return np.asarray(out, dtype=object)

    def get_embeddings(self, column):
        """The embedding table of one categorical column as a DataFrame.

        Parameters
        ----------
        column : str or int
            Column name (as in ``feature_names_in_``) or column index in ``X``.

        Returns
        -------
        table : pandas.DataFrame of shape (n_categories + 2 + n_buckets, dim)
            Indexed by category, then the rows labelled ``"<unknown>"`` and
            ``"<missing>"``, then ``"<hash 0>"``, ... for the hash buckets;
            columns are the output feature names.
        """
        check_is_fitted(self, "embeddings_")
        i = self._categorical_position(column)
        j = self.categorical_columns_[i]
        start = sum(self.embedding_dims_[:i])
        names = self.get_feature_names_out()[start : start + self.embedding_dims_[i]]
        labels = list(self.categories_[i]) + [UNKNOWN_LABEL, MISSING_LABEL]
        labels += [bucket_label(b) for b in range(self._vocabulary(i).n_buckets)]
        return labelled_frame(self.embeddings_[i], labels, names, self._input_names(None)[j])

    def most_similar(self, column, category, k=10):
        """The ``k`` categories of ``column`` whose vectors are closest by cosine.

        Parameters
        ----------
        column : str or int
            A categorical column (name or index in ``X``).
        category : object
            One of ``categories_`` of that column.
        k : int, default=10
            How many neighbours to return (fewer if the column has fewer
            other categories).

        Returns
        -------
        similar : list of (category, float)
            Neighbours and their cosine similarity, most similar first; the
            category itself is left out.

        Raises
        ------
        KeyError
            If ``category`` has no row of its own (never seen in ``fit``, or
            pooled by ``min_frequency`` / ``max_categories``).

        Examples
        --------
        >>> from skembed import EntityEmbeddingEncoder
        >>> from skembed.datasets import load_adult_sample
        >>> X, y = load_adult_sample()
        >>> enc = EntityEmbeddingEncoder(max_iter=5, random_state=0).fit(X, y)
        >>> neighbours = enc.most_similar("education", "Masters", k=3)
        >>> len(neighbours), "Masters" in dict(neighbours)
        (3, False)
        """
        check_is_fitted(self, "embeddings_")
        if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 1:
            raise ValueError(f"k must be a positive int, got {k!r}.")
        i = self._categorical_position(column)
        categories = self.categories_[i]
        position = lookup_codes(build_lookup(categories), np.array([category], dtype=object))
        if position[0] < 0:
            infrequent = self.infrequent_categories_[i]
            probe = np.array([category], dtype=object)
            pooled = len(infrequent) and lookup_codes(build_lookup(infrequent), probe)[0] >= 0
            why = (
                "was pooled into the unknown row (by min_frequency or max_categories)"
                if pooled
                else "was not seen in fit"
            )
            raise KeyError(
                f"Category {category!r} of column {column!r} has no vector of its own: it "
                f"{why}. Pick one of categories_[{i}] (e.g. {list(categories[:3])})."
            )
        table = self.embeddings_[i][: len(categories)].astype(np.float64)
        norms = np.linalg.norm(table, axis=1)
        unit = table / np.where(norms > 0, norms, 1.0)[:, None]
        similarity = unit @ unit[position[0]]
        similarity[position[0]] = -np.inf
        k = min(int(k), len(categories) - 1)
        best = np.argpartition(-similarity, k - 1)[:k] if k else np.empty(0, np.int64)
        best = best[np.argsort(-similarity[best], kind="stable")]
        return [(categories[b], float(similarity[b])) for b in best]

    def plot_embeddings(self, column, *, method="pca", n_components=2, top=30, ax=None):
        """Scatter plot of a column's category vectors projected to 2-D or 3-D.

        Every category is a point; the ``top`` most frequent ones (in
        ``fit``) are labelled. Needs matplotlib: ``pip install
        "skembed[plot]"``.

        Parameters
        ----------
        column : str or int
            A categorical column (name or index in ``X``).
        method : {"pca", "tsne"}, default="pca"
            Projection: :class:`sklearn.decomposition.PCA`, or
            :class:`sklearn.manifold.TSNE` (seeded with ``random_state``).
        n_components : {2, 3}, default=2
        top : int, default=30
            How many of the most frequent categories get a label.
        ax : matplotlib Axes, default=None
            Axes to draw on (3-D axes for ``n_components=3``); a new figure
            when None.

        Returns
        -------
        figure : matplotlib.figure.Figure
        """
        check_is_fitted(self, "embeddings_")
        if method not in ("pca", "tsne"):
            raise ValueError(f"method must be 'pca' or 'tsne', got {method!r}.")
        if n_components not in (2, 3):
            raise ValueError(f"n_components must be 2 or 3, got {n_components!r}.")
        if not isinstance(top, numbers.Integral) or top < 0:
            raise ValueError(f"top must be a non-negative int, got {top!r}.")
        try:
            import matplotlib.pyplot as plt
        except ImportError:
            raise ImportError(
                'plot_embeddings needs matplotlib: pip install "skembed[plot]".'
            ) from None
        i = self._categorical_position(column)
        categories = self.categories_[i]
        table = self.embeddings_[i][: len(categories)].astype(np.float64)
        points = _project(table, method, n_components, self.random_state)
        if ax is None:
            figure = plt.figure(figsize=(7, 6))
            ax = figure.add_subplot(projection="3d" if n_components == 3 else None)
        figure = ax.get_figure()
        ax.scatter(*points.T, s=12, alpha=0.6)
        counts = self.category_counts_[i]
        for b in np.argsort(-counts, kind="stable")[: min(top, len(categories))]:
            ax.text(*points[b], str(categories[b]), fontsize=8)
        name = self._input_names(None)[self.categorical_columns_[i]]
        ax.set_title(f"{name}: {len(categories)} categories, {method.upper()} of "
                     f"{table.shape[1]} dimensions")  # fmt: skip
        return figure

    def to_parquet(self, path):
        """Write every embedding table to one Parquet file (needs pyarrow).

        One row per table row: the column name, ``row`` (``"category"``,
        ``"unknown"`` or ``"missing"``), the category as text with its type,
        then ``emb0, emb1, ...`` (empty past a column's width).
        :func:`skembed.read_embeddings` reads it back as
        ``pretrained_embeddings``.

        Parameters
        ----------
        path : str or os.PathLike

        Returns
        -------
        path : pathlib.Path
        """
        from ._export import export_embeddings

        check_is_fitted(self, "embeddings_")
        return export_embeddings(self, path, "parquet")

    def to_csv(self, path):
        """Write every embedding table to one CSV file (see :meth:`to_parquet`).

        Parameters
        ----------
        path : str or os.PathLike

        Returns
        -------
        path : pathlib.Path
        """
        from ._export import export_embeddings

        check_is_fitted(self, "embeddings_")
        return export_embeddings(self, path, "csv")

    def save(self, path):
        """Save the encoder to a file that can be loaded without pickle.

        The file is a zip archive of a JSON manifest (parameters, fitted
        attributes, the skembed and format versions, a SHA-256 checksum per
        entry) and ``.npy`` arrays. :func:`skembed.load` reads it back without
        executing anything from the file, unlike ``joblib.load`` / ``pickle``.
        The write goes to a temporary file renamed into place, so an
        interrupted save never leaves a truncated file at ``path``.

        Parameters
        ----------
        path : str, os.PathLike or writable binary file object
            Where to write; the ``.skembed`` suffix is a convention, not
            required.

        Returns
        -------
        path : pathlib.Path or None
            The path written, or None for a file object.

        Raises
        ------
        TypeError
            If a parameter or fitted attribute has no pickle-free form (a
            callable ``embedding_dim``, categories that are not str, bytes,
            int, float or bool); the message names it.
        """
        from ._persistence import save

        return save(self, path)

    # --------------------------------------------------------------- helpers

    def _input_names(self, input_features):
        n = self.n_features_in_
        if input_features is None:
            if hasattr(self, "feature_names_in_"):
                return list(self.feature_names_in_)
            return [f"x{j}" for j in range(n)]
        input_features = list(input_features)
        if len(input_features) != n:
            raise ValueError(
                f"input_features should have length equal to the number of features seen "
                f"in fit ({n}), got {len(input_features)}."
            )
        if hasattr(self, "feature_names_in_") and input_features != list(self.feature_names_in_):
            raise ValueError(
                "input_features is not equal to feature_names_in_: expected "
                f"{list(self.feature_names_in_)}, got {input_features}."
            )
        return [str(name) for name in input_features]

    def _categorical_position(self, column) -> int:
        names = self._input_names(None)
        if isinstance(column, str) and column in names:
            j = names.index(column)
        elif isinstance(column, numbers.Integral) and 0 <= column < self.n_features_in_:
            j = int(column)
        else:
            raise KeyError(
                f"Column {column!r} was not seen in fit; expected one of the categorical "
                f"columns {[names[j] for j in self.categorical_columns_]}."
            )
        position = np.flatnonzero(self.categorical_columns_ == j)
        if len(position) == 0:
            raise KeyError(
                f"Column {names[j]!r} is continuous and has no embeddings; categorical "
                f"columns are {[names[c] for c in self.categorical_columns_]}."
            )
        return int(position[0])

    def _categorical_mask(self, table) -> np.ndarray:
        spec = self.categorical_features
        if isinstance(spec, str):  # "auto"
            return table.auto_categorical()
        spec = list(spec)
        mask = np.zeros(table.n_columns, dtype=bool)
        if len(spec) == 0:
            return mask
        if all(isinstance(v, (bool, np.bool_)) for v in spec):
            if len(spec) != table.n_columns:
                raise ValueError(
                    f"categorical_features as a boolean mask must have one entry per "
                    f"column: expected {table.n_columns}, got {len(spec)}."
                )
            return np.asarray(spec, dtype=bool)
        if all(isinstance(v, numbers.Integral) for v in spec):
            bad = [v for v in spec if not -table.n_columns <= v < table.n_columns]
            if bad:
                raise ValueError(
                    f"categorical_features has indices {bad} out of range for X with "
                    f"{table.n_columns} columns."
                )
            mask[np.asarray(spec, dtype=np.int64)] = True
            return mask
        if all(isinstance(v, str) for v in spec):
            if table.columns is None:
                raise ValueError(
                    f"categorical_features names columns {spec}, but X has no column "
                    "names. Pass a DataFrame, or give integer indices."
                )
            missing = [v for v in spec if v not in table.columns]
            if missing:
                raise ValueError(
                    f"categorical_features names columns {missing} that are not in X; "
                    f"X has columns {list(table.columns)}."
                )
            mask[[table.columns.index(v) for v in spec]] = True
            return mask
        raise ValueError(
            "categorical_features must be 'auto', or all column names, all integer "
            f"indices, or a boolean mask; got {spec!r}."
        )

    def _column_index(self, table, key, what: str) -> int:
        """Position in X of the column ``key`` (a name, an index, or "x<j>" for arrays)."""
        if table.columns is not None and not isinstance(key, bool) and key in table.columns:
            return table.columns.index(key)
        if isinstance(key, numbers.Integral) and not isinstance(key, bool):
            if 0 <= key < table.n_columns:
                return int(key)
        if table.columns is None and isinstance(key, str) and key[1:].isdigit():
            if key[0] == "x" and int(key[1:]) < table.n_columns:
                return int(key[1:])
        known = table.columns if table.columns is not None else list(range(table.n_columns))
        raise ValueError(f"{what} names the column {key!r}, which is not in X; X has {known}.")

    def _vocabulary(self, i: int) -> Vocabulary:
        """The fitted vocabulary of categorical column ``i`` (row layout and lookup).

        Cached, so that its hash index over the categories is built once, not at
        every ``transform`` (0.2 s for a million categories); the cache is not
        pickled or saved, and ``fit`` starts a new one.
        """
        cache = self.__dict__.setdefault("_vocabularies", {})
        vocabulary = cache.get(i)
        if vocabulary is None or vocabulary.categories is not self.categories_[i]:
            buckets = getattr(self, "hash_buckets_", None)
            vocabulary = Vocabulary(
                self.categories_[i],
                self.infrequent_categories_[i],
                0,
                buckets[i] if buckets else 0,
            )
            cache[i] = vocabulary
        return vocabulary

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: the live encoder keeps its cache
        state.pop("_vocabularies", None)  # a cache of hash indexes, rebuilt on demand
        state.pop("_device_tables", None)  # tables copied to a device by transform
        return state

    def _buckets(self, table) -> list[int]:
        """Number of hash buckets of each categorical column."""
        spec = self.hash_buckets
        if spec is None or isinstance(spec, numbers.Integral):
            return [int(spec or 0)] * len(self.categorical_columns_)
        buckets = [0] * len(self.categorical_columns_)
        for key, k in spec.items():
            i = self._categorical_key(table, key, "hash_buckets")
            if not isinstance(k, numbers.Integral) or isinstance(k, bool) or k < 0:
                raise ValueError(f"hash_buckets[{key!r}] must be an int >= 0, got {k!r}.")
            buckets[i] = int(k)
        return buckets

    def _categorical_key(self, table, key, what: str) -> int:
        """Position in ``categorical_columns_`` of the column a parameter's key names."""
        j = self._column_index(table, key, what)
        position = np.flatnonzero(self.categorical_columns_ == j)
        if len(position) == 0:
            raise ValueError(
                f"{what} names column {table.column_label(j)}, which is continuous; list it "
                "in categorical_features to embed it."
            )
        return int(position[0])

    def _separators(self, table) -> dict:
        """``{column index: separator}`` of the columns whose strings are split into bags."""
        separators = {}
        for key, separator in (self.separator or {}).items():
            i = self._categorical_key(table, key, "separator")
            if not isinstance(separator, str) or not separator:
                raise ValueError(
                    f"separator[{key!r}] must be a non-empty string such as '|', got "
                    f"{separator!r}."
                )
            separators[int(self.categorical_columns_[i])] = separator
        return separators

    def _pretrained_tables(self, table) -> tuple[dict, set]:
        """``{categorical position: (values, matrix)}`` and the positions to freeze."""
        specs = self.pretrained_embeddings or {}
        tables = {}
        for key, spec in specs.items():
            i = self._categorical_key(table, key, "pretrained_embeddings")
            label = table.column_label(self.categorical_columns_[i])
            tables[i] = vector_table(spec, label)
        freeze = self.freeze_pretrained
        if isinstance(freeze, (bool, np.bool_)):
            return tables, set(tables) if freeze else set()
        frozen = set()
        for key in freeze:
            i = self._categorical_key(table, key, "freeze_pretrained")
            if i not in tables:
                raise ValueError(
                    f"freeze_pretrained names column "
                    f"{table.column_label(self.categorical_columns_[i])}, which has no table "
                    "in pretrained_embeddings; only pretrained columns can be frozen."
                )
            frozen.add(i)
        return tables, frozen

    def _embedding_dim_for(self, table, j, n_categories, pretrained=None) -> int:
        rule = self.embedding_dim
        if pretrained is not None:
            width = pretrained[1].shape[1]
            key = table.columns[j] if table.columns is not None else j
            if isinstance(rule, dict) and key in rule and rule[key] != width:
                raise ValueError(
                    f"embedding_dim[{key!r}] is {rule[key]!r}, but the pretrained table of "
                    f"column {table.column_label(j)} has {width} dimensions; drop the "
                    "embedding_dim entry (the width comes from the table)."
                )
            return int(width)
        if isinstance(rule, dict):
            key = table.columns[j] if table.columns is not None else j
            unknown = [k for k in rule if k not in (table.columns or range(table.n_columns))]
            if unknown:
                raise ValueError(
                    f"embedding_dim has entries for columns {unknown} that are not in X."
                )
            if key in rule:
                dim = rule[key]
                if not isinstance(dim, numbers.Integral) or isinstance(dim, bool) or dim < 1:
                    raise ValueError(
                        f"embedding_dim[{key!r}] must be a positive int, got {dim!r}."
                    )
                return int(dim)
            rule = "auto"
        if isinstance(rule, str):
            return min(auto_embedding_dim(n_categories), self.max_embedding_dim)
        if callable(rule):
            dim = rule(n_categories)
            if not isinstance(dim, numbers.Integral) or isinstance(dim, bool) or dim < 1:
                raise ValueError(
                    f"embedding_dim callable returned {dim!r} for column "
                    f"{table.column_label(j)} with {n_categories} categories; expected a "
                    "positive int."
                )
            return min(int(dim), self.max_embedding_dim)
        return int(rule)

    def _continuous_matrix(self, table) -> np.ndarray:
        """The continuous columns of ``table`` as float64, NaN for missing values.

        A float64 tensor on the data's device for device-resident input.
        """
        if table.on_device:
            from ._device import stack_columns

            columns = [self._continuous_values(table, j) for j in self.continuous_columns_]
            return stack_columns(columns, table.n_rows, table.device)
        cont = np.empty((table.n_rows, len(self.continuous_columns_)), dtype=np.float64)
        for out_j, j in enumerate(self.continuous_columns_):
            cont[:, out_j] = self._continuous_values(table, j)
        return cont

    def _continuous_values(self, table, j) -> np.ndarray:
        try:
            values = table.continuous(j)
        except (TypeError, ValueError) as exc:
            raise TypeError(
                f"Column {table.column_label(j)} is treated as continuous but holds values "
                f"that are not numbers ({exc}). List it in categorical_features to embed it."
            ) from None
        if _has_inf(values):
            raise ValueError(
                f"Continuous column {table.column_label(j)} contains infinity; expected "
                "finite numbers or missing values (NaN). Replace or clip the infinite "
                "values."
            )
        return values

    def _scale(self, cont: np.ndarray) -> np.ndarray:
        if not isinstance(cont, np.ndarray):
            from ._device import scale

            return scale(cont, self.continuous_mean_, self.continuous_scale_)
        # divide before subtracting: (1e308 - -1e308) would overflow, the z-scores do not
        scale = self.continuous_scale_
        with np.errstate(over="ignore"):
            scaled = cont / scale - self.continuous_mean_ / scale
        return np.nan_to_num(scaled, nan=0.0, copy=False)

    def _check_fits_dtype(self, table, values: np.ndarray, dtype: np.dtype) -> None:
        """Raise if a continuous output column would overflow ``dtype`` to inf."""
        limit = np.finfo(dtype).max
        if not isinstance(values, np.ndarray):
            from ._device import first_beyond, too_large

            beyond = too_large(values, float(limit))
            for out_j in np.flatnonzero(beyond):
                self._raise_too_large(table, first_beyond(values, out_j, limit), out_j, dtype)
            return
        with np.errstate(invalid="ignore"):
            too_large = ~(np.abs(values) <= limit) & ~np.isnan(values)
        for out_j in np.flatnonzero(too_large.any(axis=0)):
            self._raise_too_large(table, values[too_large[:, out_j], out_j][0], out_j, dtype)

    def _raise_too_large(self, table, worst, out_j, dtype):
        j = self.continuous_columns_[out_j]
        limit = np.finfo(dtype).max
        what = "after scaling" if self.continuous == "scale" else "as passed through"
        raise ValueError(
            f"Continuous column {table.column_label(j)} has a value that is "
            f"{worst:.3g} {what}, beyond the largest {dtype.name} ({limit:.3g}); the "
            "output would be infinite. Clip the column, or use dtype=np.float64."
        )

    def _check_sample_weight(self, sample_weight, n) -> np.ndarray:
        if sample_weight is None:
            return np.ones(n, dtype=np.float64)
        weight = as_1d(sample_weight)
        if weight.ndim != 1 or weight.shape[0] != n:
            raise ValueError(
                f"sample_weight.shape == {weight.shape}, expected ({n},) to match the "
                "number of rows of X."
            )
        weight = _valid_weights(weight)
        if not weight.any():
            raise ValueError(
                "Sample weights must contain at least one non-zero number; all are zero."
            )
        return weight

    def _encode_target(self, y, n, weight):
        """Turn ``y`` into the training target; sets ``target_type_`` and ``classes_``."""
        y = as_1d(y)
        if y.shape[0] != n:
            raise ValueError(
                f"X has {n} rows but y has {y.shape[0]}; they must have the same length."
            )
        if y.ndim == 2 and y.shape[1] == 1 and self.target_type != "continuous":
            y = y.ravel()
        if y.ndim > 2 or y.ndim == 0:
            raise ValueError(f"y must be 1-D or 2-D, got shape {y.shape}.")
        if is_missing(y).any():
            raise ValueError(
                "y contains missing values (NaN or None); the embeddings cannot be "
                "trained on them. Drop those rows or impute y."
            )
        kind = self.target_type
        if kind == "auto":
            with np.errstate(invalid="ignore", over="ignore"):  # its int cast of 1e308
                detected = type_of_target(y, input_name="y", raise_unknown=True)
            kind = {
                "binary": "binary",
                "multiclass": "multiclass",
                "continuous": "continuous",
                "continuous-multioutput": "continuous",
                "multilabel-indicator": "multilabel-indicator",
            }.get(detected)
            if kind is None:
                raise ValueError(
                    f"Unsupported target: type_of_target(y) is {detected!r}. Expected a "
                    "binary, multiclass, continuous or multilabel-indicator target; set "
                    "target_type to say how to treat y."
                )
        self.classes_ = None
        if kind in ("binary", "multiclass"):
            if y.ndim != 1:
                raise ValueError(f"target_type={kind!r} needs a 1-D y, got shape {y.shape}.")
            self.classes_, codes = np.unique(y, return_inverse=True)
            if kind == "binary" and len(self.classes_) > 2:
                raise ValueError(
                    f"target_type='binary' but y has {len(self.classes_)} classes; use "
                    "'multiclass'."
                )
        self.target_type_ = kind
        if kind == "binary":
            return codes.astype(np.float32).reshape(-1, 1), "binary", 1
        if kind == "multiclass":
            return codes.astype(np.int64), "multiclass", len(self.classes_)
        try:
            values = y.astype(np.float64)
        except (TypeError, ValueError):
            raise ValueError(
                f"target_type={kind!r} needs a numeric y, got values of dtype {y.dtype}."
            ) from None
        values = values.reshape(n, -1)
        if not np.isfinite(values).all():
            raise ValueError("y contains infinity; expected finite numbers.")
        if kind == "multilabel-indicator":
            return values.astype(np.float32), "binary", values.shape[1]
        mean, scale = _weighted_mean_std(values, weight)
        standardized = values / scale - mean / scale  # no overflow near 1e308
        return standardized.astype(np.float32), "continuous", values.shape[1]


def _routed(method):
    """Route Dask input, and output that is not NumPy, past scikit-learn's output wrapper.

    ``set_output`` containers wrap in-memory NumPy results. A Dask DataFrame
    is already a container (lazy, one pandas DataFrame per partition), which
    the wrapper would try to convert into a single pandas or polars frame;
    a torch tensor, CuPy array or cuDF DataFrame (``output_type``) is
    returned as such.
    """
    fit_transform = method.__name__ == "fit_transform"

    @functools.wraps(method)
    def routed(self, X, *args, **kwargs):
        if not is_dask_collection(X):
            if output_kind(self.output_type, device_kind(X)) == "numpy":
                return method(self, X, *args, **kwargs)
            if fit_transform:
                return self._fit_transform(X, *args, **kwargs)
            check_is_fitted(self, "embeddings_")
            return self._deliver(self._transform(X), X)
        from ._dask import transform_dask

        if self.output_type != "input":
            raise ValueError(
                f"output_type={self.output_type!r} does not apply to Dask input: transform "
                "returns a lazy Dask DataFrame. Use output_type='input' and convert the "
                "computed partitions."
            )

        if fit_transform:
            self.fit(X, *args, **kwargs)
        else:
            check_is_fitted(self, "embeddings_")
        return transform_dask(self, X)

    return routed


EntityEmbeddingEncoder.transform = _routed(EntityEmbeddingEncoder.transform)
EntityEmbeddingEncoder.fit_transform = _routed(EntityEmbeddingEncoder.fit_transform)


def _project(table: np.ndarray, method: str, n_components: int, random_state) -> np.ndarray:
    """Rows of ``table`` in ``n_components`` dimensions (zero-padded if it has fewer)."""
    n, dim = table.shape
    usable = min(n_components, dim, n)
    points = np.zeros((n, n_components))
    if method == "pca" or n < 5:
        from sklearn.decomposition import PCA

        points[:, :usable] = PCA(usable).fit_transform(table) if usable else 0.0
    else:
        from sklearn.manifold import TSNE

        perplexity = min(30.0, (n - 1) / 3)
        tsne = TSNE(n_components, perplexity=perplexity, random_state=random_state)
        points[:] = tsne.fit_transform(table)
    return points


def _per_row(cell: np.ndarray, codes: np.ndarray, n_codes: int) -> np.ndarray:
    """``codes`` with repeats inside a row dropped (one per row and code)."""
    pairs = np.unique(cell.astype(np.int64) * max(n_codes, 1) + codes)
    return pairs % max(n_codes, 1)


def _padded_bags(cell, rows, n, table_size, missing_row):
    """Table rows of each row of X's tokens as an (n, longest) matrix.

    Padded with the padding row ``table_size``; a row with no token holds the
    missing row.
    """
    counts = np.bincount(cell, minlength=n)
    padded = np.full((n, max(int(counts.max(initial=0)), 1)), table_size, dtype=np.int64)
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    padded[cell, np.arange(len(cell)) - starts[cell]] = rows
    padded[counts == 0, 0] = missing_row
    return padded


def _bag_vectors(table, cell, rows, n, mode, missing_row):
    """Mean (or sum) of each row's token vectors; the missing row for rows without one.

    A sparse (n, table rows) weight matrix times the table: one vectorized
    product, no loop over rows.
    """
    from scipy import sparse

    counts = np.bincount(cell, minlength=n)
    empty = np.flatnonzero(counts == 0)
    if mode == "mean":
        weights = (1.0 / np.maximum(counts, 1))[cell]
    else:
        weights = np.ones(len(cell))
    matrix = sparse.csr_matrix(
        (
            np.concatenate([weights, np.ones(len(empty))]).astype(table.dtype),
            (np.concatenate([cell, empty]), np.concatenate([rows, [missing_row] * len(empty)])),
        ),
        shape=(n, len(table)),
    )
    return np.asarray(matrix @ table, dtype=table.dtype)


def _match_labels(table, j, uniques, values, matrix):
    """Pretrained rows whose labels match the column's values (by value, else by text)."""
    found = lookup_codes(build_lookup(uniques), values) >= 0 if len(uniques) else None
    if found is not None and not found.any():
        labels_are_text = all(isinstance(v, str) for v in values)
        if labels_are_text and not all(isinstance(v, str) for v in uniques):
            as_text = np.array([str(v) for v in uniques], dtype=object)
            first = ~build_lookup(as_text).duplicated()  # 1 and "1": match the first
            uniques, as_text = uniques[first], as_text[first]
            position = lookup_codes(build_lookup(as_text), values)
            hit = position >= 0
            if hit.any():  # labels read from a text file: give them the column's types
                return uniques[position[hit]], matrix[hit]
        warnings.warn(
            f"None of the {len(values)} categories of the pretrained table of column "
            f"{table.column_label(j)} occurs in X (e.g. table {list(values[:3])} vs X "
            f"{list(uniques[:3])}); check that the labels have the same type and spelling.",
            UserWarning,
            stacklevel=4,
        )
    return values, matrix


def _replacement_rows(vocabulary, is_bag: bool) -> np.ndarray:
    """Row that ``unknown_rate`` substitutes for each row of the table.

    A category row becomes its hash bucket when the column has buckets (the
    row it would get if unseen), else the unknown row; the extra rows map to
    the unknown row and bucket rows (and the padding row of a bag) to
    themselves.
    """
    size = vocabulary.n_rows + (1 if is_bag else 0)
    replacement = np.full(size, vocabulary.unknown_row, dtype=np.int64)
    first_bucket = vocabulary.missing_row + 1
    replacement[first_bucket:] = np.arange(first_bucket, size)
    if vocabulary.n_buckets and len(vocabulary.categories):
        replacement[: vocabulary.unknown_row] = vocabulary.bucket_rows(vocabulary.categories)
    return replacement


def _initial_table(vocabulary, values, matrix, seed):
    """Starting table of a pretrained column, and the rows holding pretrained vectors.

    Rows of categories in the table get their vector; the others are drawn
    from a normal with the table's spread; the unknown row starts at the
    table's mean.
    """
    rng = np.random.RandomState(seed % (2**32))
    spread = float(matrix.std()) or 0.05
    initial = rng.normal(0.0, spread, size=(vocabulary.n_rows, matrix.shape[1]))
    positions = lookup_codes(build_lookup(vocabulary.categories), values)
    initial[positions] = matrix
    initial[vocabulary.unknown_row] = matrix.mean(axis=0)
    return initial.astype(np.float32), positions


def _bincount(values, minlength: int) -> np.ndarray:
    """``np.bincount`` of table rows, held in NumPy or in a device tensor."""
    if isinstance(values, np.ndarray):
        return np.bincount(values, minlength=minlength)
    from ._device import bincount

    return bincount(values, minlength)


def _has_inf(values) -> bool:
    if isinstance(values, np.ndarray):
        return bool(np.isinf(values).any())
    from ._device import has_inf

    return has_inf(values)


def _valid_weights(weight: np.ndarray) -> np.ndarray:
    """``weight`` as float64; raise unless it is numeric, finite and non-negative."""
    try:
        weight = weight.astype(np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"sample_weight must be numeric, got dtype {weight.dtype}.") from None
    if not np.isfinite(weight).all() or (weight < 0).any():
        raise ValueError("sample_weight must be finite and non-negative.")
    return weight


def _weighted_mean_std(values: np.ndarray, weight: np.ndarray):
    """Per-column mean and std ignoring NaN; std 0 (or all-NaN) becomes 1.

    The columns are divided by their largest magnitude first, so values near
    the float64 limit (1e308) give a finite mean and std instead of overflowing.
    """
    present = ~np.isnan(values)
    w = weight[:, None] * present
    total = w.sum(axis=0)
    safe_total = np.where(total > 0, total, 1.0)
    filled = np.where(present, values, 0.0)
    magnitude = np.abs(filled).max(axis=0, initial=0.0)
    magnitude = np.where(magnitude > 0, magnitude, 1.0)
    unit = filled / magnitude
    mean = (w * unit).sum(axis=0) / safe_total
    var = (w * (unit - mean) ** 2).sum(axis=0) / safe_total
    mean, scale = mean * magnitude, np.sqrt(var) * magnitude
    scale = np.where((scale > 0) & np.isfinite(scale), scale, 1.0)
    return mean, scale


def _aligned(fold, full, i: int) -> np.ndarray:
    """Fold ``i``-th table moved into the full model's coordinates.

    Orthogonal Procrustes on the categories both models know: the rotation
    ``R`` and translation minimising ``sum_k w_k |(a_k - mu_a) R + mu_b - b_k|^2``
    with ``w_k`` the fold's count of category ``k``.
    """
    from scipy.linalg import orthogonal_procrustes

    source, target = fold.embeddings_[i].astype(np.float64), full.embeddings_[i]
    position = lookup_codes(build_lookup(full.categories_[i]), fold.categories_[i])
    shared = np.flatnonzero(position >= 0)
    if len(shared) == 0:  # nothing to align on: keep the fold's own coordinates
        return fold.embeddings_[i]
    weight = fold.category_counts_[i][shared].astype(np.float64) + 1.0
    a, b = source[shared], target[position[shared]].astype(np.float64)
    mu_a = weight @ a / weight.sum()
    mu_b = weight @ b / weight.sum()
    root = np.sqrt(weight)[:, None]
    rotation, _ = orthogonal_procrustes(root * (a - mu_a), root * (b - mu_b))
    return ((source - mu_a) @ rotation + mu_b).astype(np.float32)


def _seed_from(random_state) -> int:
    """An int seed for torch and the split, drawn from ``random_state``."""
    if isinstance(random_state, numbers.Integral):
        return int(random_state) % (2**63)
    rng = random_state if isinstance(random_state, np.random.RandomState) else np.random
    return int(rng.randint(0, 2**31 - 1))
