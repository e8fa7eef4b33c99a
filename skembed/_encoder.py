"""EntityEmbeddingEncoder: learned vectors for categorical columns.

The estimator is the face of the package: it stores parameters, validates them, and
delegates each step to the layers below (see ``docs/architecture.md``).
"""

from __future__ import annotations

import numpy as np
from sklearn.base import BaseEstimator, TransformerMixin
from sklearn.utils.validation import check_is_fitted

from ._cross_fit import encode_training_rows, metadata_routing, pop_groups
from ._encode import CACHES, encode, feature_names_out, input_names
from ._export import TableExportMixin
from ._inspection import TableInspectionMixin
from ._parameters import PARAMETER_CONSTRAINTS
from ._persistence import persistable, save
from ._refit import align_encoder
from ._routing import deliver_output, route_fit, route_outputs
from ._warm_start import PartialFit
from ._widths import auto_embedding_dim

__all__ = ["EntityEmbeddingEncoder", "auto_embedding_dim"]


@persistable  # skembed.load rebuilds it by name
@route_outputs  # Dask and device output bypass set_output's wrapper
class EntityEmbeddingEncoder(
    TableInspectionMixin, TableExportMixin, TransformerMixin, BaseEstimator
):
    """Encode categorical columns as entity embeddings learned from a target.

    ``fit`` trains a small neural network (PyTorch) that predicts ``y`` from
    one embedding vector per categorical value plus the standardized
    continuous columns. ``transform`` replaces every categorical value by
    its learned vector -- a table lookup in NumPy, no network and no torch.
    As in category_encoders, each categorical column is replaced in place by
    its block of embedding columns; the other columns keep their positions
    and, by default, their values.

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

    max_embedding_dim : int, default=8
        Cap applied to the ``"auto"`` and callable rules. Columns of 55
        categories or more reach it; huge vocabularies stay affordable
        (a million categories at width 8 is 32 MB of float32). It was 16;
        8 won with ``main_effects_first`` (rare categories page).

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
        ``separator``) turns its categories' vectors into one vector per row:
        their mean or sum. Cells that are lists or NumPy arrays (pandas
        object, polars List, pyarrow list) are bags without any setting; a
        tuple stays one category. A missing cell or an empty list gets the
        *missing* row, unseen tokens the *unknown* row. See the bags page.

    freeze_pretrained : bool or list, default=False
        Keep the pretrained rows fixed during training: ``True`` for every
        column of ``pretrained_embeddings``, or a list of those columns.
        Frozen rows are bit-identical after ``fit``; the other rows of the
        table (absent categories, unknown, missing) still train.

    sparse_embeddings : "auto" or bool, default="auto"
        Train tables with sparse gradients (``torch.optim.SparseAdam``, only
        the rows in the batch) instead of dense Adam. ``"auto"``: tables of
        50,000 rows or more, where sparse steps measured faster. ``alpha``
        does not apply to sparse tables.

    cv : int, cross-validation splitter or iterable of splits, default=5
        Cross-fitting in ``fit_transform`` against target leakage: each
        training row is encoded by vectors that were not trained on it, as
        ``TargetEncoder(cv=5)`` encodes its training rows, so a model
        trained on the output does not over-trust the vectors of ids seen a
        few times. ``fit_transform(X, y)`` therefore differs from ``fit(X,
        y).transform(X)`` (``transform`` of new rows does not). An int:
        shuffled folds, stratified for classes, seeded by ``random_state``;
        a splitter's test folds must cover each row once. How: ``cross_fit``.
        ``None``: in-sample, ``fit_transform`` is ``fit().transform()`` and a
        fit takes a half to a third of the time. Ignored (in-sample output) by
        ``fit(X)``, ``partial_fit``, a ``warm_start`` continuation, Dask
        input, and under ``cross_fit="tables"`` for columns it does not cross
        (see there). The leakage page has the measurements.

    cross_fit : {"tables", "refit"}, default="tables"
        How ``cv`` cross-fits.

        - ``"tables"``: one fit. Each single, unshared, not pretrained
          column's table holds one copy of its rows per fold, copy ``j``
          trained only by the rows outside fold ``j`` (each row is trained
          ``k - 1`` times an epoch, once through each other fold's copy).
          ``fit_transform`` encodes a row by its own fold's copy; the fitted
          tables (``transform``, ``embeddings_``) are the copies' mean. One
          network reads all copies, so they share its coordinates. ``fit(X,
          y)`` trains the same way, so that ``transform`` does not depend on
          which was called. A row held out for early stopping is held out
          with all its repeats. A category that no row outside fold ``j``
          trained gets copy ``j``'s unknown row (or hash bucket), as a category
          unseen by that fold. An epoch costs about ``k - 1`` epochs without
          it, and training holds the rows ``k - 1`` times and the crossed
          tables (with Adam's moments) ``k`` times (``sparse_embeddings="auto"``
          counts the copies' rows).
        - ``"refit"``: the plain fit, then one encoder per fold (``k + 1``
          fits, the full model's widths and batch size) encodes the rows it
          did not see, its tables aligned to the full model's by weighted
          orthogonal Procrustes; ``fit`` ignores ``cv``.

    categories : "auto", list or dict, default="auto"
        Categories given up front, as ``OneHotEncoder(categories=...)``: one
        list per categorical column (in X's order; ``"auto"`` to learn one), or
        ``{column: list}``. They all keep a row, seen in ``fit`` or not; the
        column's other values are pooled. Fixes what ``partial_fit`` keeps.

    min_frequency : int or float, default=1
        A category seen fewer times than this in ``fit`` (an int count, or a
        float fraction of the rows) gets no row of its own: it is pooled into
        the column's *unknown* row. 1 keeps every category: ids seen a few
        times carry most of the signal on the suite's tables (it was 5 until
        the rare categories page measured it). ``unknown_rate`` trains the
        unknown row either way.

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

    shared_embeddings : list of list, default=None
        Groups of columns naming one kind of entity (``[["home", "away"]]``):
        each group reads one table over the union of its columns' categories
        (counts summed for ``min_frequency``), of one width; each column keeps
        its own output block. See the shared tables page.

    handle_unknown : {"embed", "error"}, default="embed"
        What ``transform`` does with a category never seen in ``fit``:
        ``"embed"`` gives it the unknown row, ``"error"`` raises a
        ``ValueError`` naming the column and the values. Categories pooled
        by ``min_frequency`` / ``max_categories`` were seen and never raise.

    continuous : {"passthrough", "scale", "drop"}, default="passthrough"
        What ``transform`` outputs for the other (continuous) columns, each in
        its place: ``"passthrough"`` the values as given, as floats (NaN stays);
        ``"scale"`` standardized with the mean and standard deviation of
        ``fit``, missing values at the mean (0), as the network always sees
        them; ready for linear models and k-NN; ``"drop"`` nothing. Datetimes
        count as seconds since 1970-01-01 (UTC), durations as seconds; infinite
        values, and values that would overflow ``dtype``, raise a ``ValueError``.

    target_type : {"auto", "binary", "multiclass", "continuous"}, default="auto"
        Type of ``y`` and hence the loss: binary cross-entropy, softmax
        cross-entropy or mean squared error (on standardized targets).
        ``"auto"`` uses :func:`sklearn.utils.multiclass.type_of_target`, except
        that more than 20 distinct integers are ``"continuous"`` (3-20 stay
        classes, with a warning unless they are the codes 0..k-1); a multilabel
        indicator matrix trains one binary output per column, a 2-D float ``y``
        one regression output per column. ``verbose`` says which was used.

    hidden_layer_sizes : sequence of int, default=(128, 64)
        Hidden layers of the network; each is Linear, BatchNorm, ReLU,
        Dropout.

    linear_path : bool, default=True
        Add a linear map from the embeddings to the output beside the MLP, so
        that each column's main effect is one direction of its table; each
        table is then rotated (orthogonally) so that this direction is its
        first coordinate. A table that starts from given rows (pretrained, or
        the previous fit's under ``warm_start``) is not rotated. Supervised fits
        only (ignored by ``fit(X)``). On by default: chosen on the 14-dataset
        suite's validation splits (rare categories page).

    main_effects_first : bool, default=True
        With ``linear_path`` and ``early_stopping``: first train the tables
        and the linear path alone (an additive model of the categories' main
        effects) until the held-out loss stops improving, then the whole
        network from there; if the whole network never does better on the
        held-out rows, the additive model is kept (the head's weights are
        zero in ``network_weights_``). Both phases share ``max_iter``, the
        first at most half of it. Not when continuing an earlier network
        (``warm_start``).

    dropout : float, default=0.0
        Dropout after each hidden layer. Off by default: with ``cv``'s cross-fitted
        tables, 0.1 lost out of sample (``docs/user_guide/rare_categories.md``).

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

    shrinkage : float, default=0.0
        Pull of rare categories' vectors towards zero during training: each
        appearance of a category adds ``shrinkage * m / count * ||vector||^2``
        to the loss, ``m`` the column's within- to between-category variance
        ratio of the target (the pseudo-count of ``TargetEncoder``'s
        smoothing). 0 turns it off: with ``cv`` the out-of-fold vectors do
        that work better; with ``cv=None``, 0.2 measured best. Single columns
        of supervised in-memory fits only (not bags, Dask or ``fit(X)``).

    batch_size : int or "auto", default="auto"
        Rows per optimisation step. ``"auto"``: on the CPU the training rows
        / 64 clipped to [128, 1024] (128 for Dask input); on a CUDA GPU the
        training rows / 32 clipped to [128, 8192] (8192 for Dask input); with
        ``cv`` (``cross_fit="tables"``) each row counts ``k - 1`` times. The
        size used is ``batch_size_``.

    learning_rate_init : float, default=3e-3
        Learning rate of Adam.

    embedding_learning_rate : float, default=None
        Learning rate of the tables; None: 10 × ``learning_rate_init``, so that
        a category seen a few times moves far from its start (rows start near
        zero, std 0.005). Chosen on the 14-dataset suite (rare categories page).

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

    n_iter_no_change : int, default=1
        Epochs without improvement before stopping (the best epoch's weights
        are kept). Chosen on the 14-dataset suite: 1 saves an epoch or more
        of 2 and 5 at equal quality (training page).

    tol : float, default=1e-4
        Minimum improvement of the score that counts.

    device : str, default="auto"
        Where the network trains: ``"auto"`` (CUDA when available, else
        CPU), ``"cpu"``, ``"cuda"``, ``"cuda:1"``, ... Device-resident input
        is not copied off its device. The fitted encoder holds NumPy arrays
        only, whatever the device.

    mixed_precision : {None, "bf16", "fp16"}, default=None
        Train the network's linear layers in bfloat16 or float16 under
        ``torch.autocast`` (embedding lookups, batch normalisation, the loss,
        the parameters and the optimiser stay in float32; ``"fp16"`` scales
        the loss against gradient underflow). Meant for CUDA GPUs with tensor
        cores, where it speeds up large batches; on the CPU it is allowed
        but usually slower. The fitted tables are float32 either way.

    n_jobs : int, default=None
        torch's CPU threads during ``fit`` (restored afterwards; concurrent
        fits share one setting). ``None``: 1, measured as fast as more for
        the default batches and not slowed by busy cores (training page);
        ``-1``: every core; ``-2``: all but one.

    dtype : numpy.float32 or numpy.float64, default=numpy.float32
        Dtype of the output of ``transform``.

    random_state : int, RandomState instance or None, default=None
        Seeds the validation split, weight initialisation, shuffling and
        dropout. With an int, CPU fits are bitwise identical run to run; CUDA
        fits agree to float rounding (see the reproducibility page). torch's
        global random state is left untouched.

    verbose : int, default=0
        1 or more shows a progress bar with the loss and validation score
        of each epoch.

    warm_start : bool, default=False
        ``fit`` continues from the previous fit's tables and network (same
        columns, widths, classes): new categories start at the unknown row,
        absent ones keep theirs. See the user guide's refits page.

    partitions_per_buffer : int, default=4
        Dask input only: ``fit`` streams the training partitions this many at
        a time (computed, encoded and shuffled together while the next buffer
        is computed), so at most two buffers of rows are in memory; with
        ``early_stopping``, whole partitions are held out. See the Dask page.

    output_type : {"input", "numpy", "torch", "cupy", "cudf"}, default="input"
        The container ``transform`` and ``fit_transform`` return. ``"input"``
        follows the input, as cuML does: a torch tensor gives a tensor on the
        same device, a CuPy array a CuPy array, a cuDF DataFrame a cuDF
        DataFrame; NumPy, pandas, polars and lists give a NumPy array (or the
        ``set_output`` container, which applies to NumPy results only). Device
        input is encoded on its device, without a copy to the host. Other
        values force a container; ``"cupy"`` and ``"cudf"`` need
        ``pip install "skembed[gpu]"``. See the GPU page.

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

    target_scaling_ : tuple of ndarray or None
        Mean and standard deviation that standardized a continuous ``y``; a
        continued fit (``warm_start``, ``partial_fit``) reuses them.

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

    network_weights_ : dict of str to ndarray
        The trained network but its tables (MLP layers, batch-norm statistics,
        linear path, heads) as NumPy; ``transform`` never reads it.

    n_features_in_ : int
        Number of columns seen in ``fit``.

    feature_names_in_ : ndarray of str
        Column names seen in ``fit``, when they are all strings.

    shared_embeddings_ : list of list of int
        Positions in X of the columns of each ``shared_embeddings`` group.

    alignment_drift_ : dict of str to (int, float, float)
        After :meth:`align`: per column, the shared categories and their mean
        distance to the reference's rows before and after the move.

    See Also
    --------
    sklearn.preprocessing.TargetEncoder : one number per category and class.
    sklearn.preprocessing.OneHotEncoder : one column per category.

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

    _parameter_constraints: dict = PARAMETER_CONSTRAINTS

    def __init__(  # the parameters grouped as the docstring describes them
        self, *,
        categorical_features="auto", embedding_dim="auto", max_embedding_dim=8,
        pretrained_embeddings=None, freeze_pretrained=False, separator=None, bag_mode="mean",
        hash_buckets=None, shared_embeddings=None, sparse_embeddings="auto", cv=5,
        cross_fit="tables", categories="auto", min_frequency=1, max_categories=None,
        handle_unknown="embed", continuous="passthrough", target_type="auto",
        hidden_layer_sizes=(128, 64), linear_path=True, main_effects_first=True,
        dropout=0.0, embedding_dropout=0.1,
        unknown_rate=0.01, alpha=1e-3, shrinkage=0.0, batch_size="auto", learning_rate_init=3e-3,
        embedding_learning_rate=None, max_iter=100, early_stopping=True,
        validation_fraction=0.1, n_iter_no_change=1, tol=1e-4,
        device="auto", dtype=np.float32, random_state=None, verbose=0, warm_start=False,
        partitions_per_buffer=4, output_type="input", mixed_precision=None, n_jobs=None,
    ):  # fmt: skip
        self.categorical_features = categorical_features
        self.embedding_dim = embedding_dim
        self.max_embedding_dim = max_embedding_dim
        self.pretrained_embeddings = pretrained_embeddings
        self.freeze_pretrained = freeze_pretrained
        self.separator = separator
        self.bag_mode = bag_mode
        self.hash_buckets = hash_buckets
        self.shared_embeddings = shared_embeddings
        self.sparse_embeddings = sparse_embeddings
        self.cv = cv
        self.cross_fit = cross_fit
        self.categories = categories
        self.min_frequency = min_frequency
        self.max_categories = max_categories
        self.handle_unknown = handle_unknown
        self.continuous = continuous
        self.target_type = target_type
        self.hidden_layer_sizes = hidden_layer_sizes
        self.linear_path = linear_path
        self.main_effects_first = main_effects_first
        self.dropout = dropout
        self.embedding_dropout = embedding_dropout
        self.unknown_rate = unknown_rate
        self.alpha = alpha
        self.shrinkage = shrinkage
        self.batch_size = batch_size
        self.learning_rate_init = learning_rate_init
        self.embedding_learning_rate = embedding_learning_rate
        self.max_iter = max_iter
        self.early_stopping = early_stopping
        self.validation_fraction = validation_fraction
        self.n_iter_no_change = n_iter_no_change
        self.tol = tol
        self.device = device
        self.dtype = dtype
        self.random_state = random_state
        self.verbose = verbose
        self.warm_start = warm_start
        self.partitions_per_buffer = partitions_per_buffer
        self.output_type = output_type
        self.mixed_precision = mixed_precision
        self.n_jobs = n_jobs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.categorical = True
        tags.input_tags.string = True
        tags.input_tags.allow_nan = True
        tags.target_tags.required = False  # fit(X) alone trains by predicting columns
        tags.target_tags.multi_output = True  # 2-D y: multilabel or several regressions
        tags.transformer_tags.preserves_dtype = []  # the output dtype is `dtype`
        return tags

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
            (``fit(X)``), the embeddings are learned *self-supervised*: each row
            hides one categorical column and the network predicts it from the
            others (see the user guide's self-supervised page).
        sample_weight : array-like of shape (n_samples,), default=None
            Weights of the rows in the loss, the continuous columns' statistics
            and the counts of ``min_frequency``; rows of weight 0 are left out.

        Returns
        -------
        self : EntityEmbeddingEncoder
            Fitted encoder. If ``fit`` raises (or is interrupted), an encoder
            fitted before keeps its previous state.
        """
        route_fit(self, X, y, sample_weight)
        vars(self).pop("_out_of_fold", None)  # only fit_transform uses it
        return self

    def partial_fit(self, X, y=None, sample_weight=None, classes=None):
        """Train one epoch on a batch of rows, continuing any earlier fit.

        For streams and data too large to fit at once. The first call (on an
        unfitted encoder) fixes the columns, their categories and widths;
        later calls give categories it lacks their hash bucket or the unknown
        row (``hash_buckets`` is how the vocabulary grows). See the user
        guide's refits page.

        Parameters
        ----------
        X, y, sample_weight
            As in :meth:`fit`.
        classes : array-like of shape (n_classes,), default=None
            Every class ``y`` will hold over all calls; only on the first call.
            Without it, the first call's classes are all there will be.

        Returns
        -------
        self : EntityEmbeddingEncoder
        """
        route_fit(self, X, y, sample_weight, PartialFit(classes))
        return self

    def fit_transform(self, X, y=None, **fit_params):
        """Fit, then encode ``X`` -- out of fold when ``cv`` is set.

        Parameters
        ----------
        X : {pandas DataFrame, polars DataFrame, array-like} of shape (n_samples, n_features)
        y : array-like of shape (n_samples,) or (n_samples, n_targets), default=None
        **fit_params : dict
            ``sample_weight``, passed to ``fit``; ``groups``, passed to the
            splitter of ``cv`` (``GroupKFold``), also by metadata routing.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            ``fit(X, y).transform(X)`` when ``cv`` is None or ``y`` is None;
            otherwise each row's categories encoded by vectors not trained on
            it, in the fitted tables' coordinates (see ``cv`` and
            ``cross_fit``).
        """
        groups = pop_groups(self, fit_params)
        sample_weight = fit_params.pop("sample_weight", None)
        if fit_params:
            names = ", ".join(sorted(fit_params))
            raise TypeError(
                f"fit_transform() got unexpected keyword arguments: {names}. It takes "
                "sample_weight and groups."
            )
        route_fit(self, X, y, sample_weight, groups=groups)
        out = encode_training_rows(self, X, y, sample_weight, groups)
        return deliver_output(self, out, X)

    get_metadata_routing = metadata_routing

    def transform(self, X):
        """Replace every categorical value by its embedding vector.

        Parameters
        ----------
        X : {pandas DataFrame, polars DataFrame, array-like} of shape (n_samples, n_features)
            Same columns as in ``fit``.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features_out)
            X's columns in X's order: each categorical column replaced by its
            block of embedding columns, the others as ``continuous`` says. Dtype
            ``dtype``. A pandas or polars DataFrame under ``set_output``.
        """
        check_is_fitted(self, "embeddings_")
        return deliver_output(self, encode(self, X), X)

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
            In X's order: ``f"{column}_emb{k}"`` for each dimension of a
            categorical column's block, the name of every other column
            (unless ``continuous="drop"``).
        """
        check_is_fitted(self, "embeddings_")
        return feature_names_out(self, input_names(self, input_features))

    def align(self, reference):
        """Rotate and shift each table onto a previous fit's coordinates; returns self.

        Weighted orthogonal Procrustes on the categories both fits know, per
        same-named column (widths must match); distances inside a table do not
        change. Sets ``alignment_drift_``. See the user guide's refits page.
        """
        check_is_fitted(self, "embeddings_")
        align_encoder(self, reference)
        return self

    def save(self, path):
        """Save the encoder to a file that can be loaded without pickle.

        A zip archive of a JSON manifest (parameters, fitted attributes,
        versions, a SHA-256 per entry) and ``.npy`` arrays, written to a
        temporary file renamed into place. :func:`skembed.load` reads it
        back without executing anything from the file.

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
            callable ``embedding_dim``, categories of other types); the
            message names it.
        """
        return save(self, path)

    def __getstate__(self):
        state = dict(super().__getstate__())  # a copy: the live encoder keeps its caches
        for cache in CACHES:  # hash indexes rebuilt on demand, tables copied to a device
            state.pop(cache, None)
        return state
