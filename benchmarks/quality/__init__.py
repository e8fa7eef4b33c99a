"""Quality benchmark: entity embeddings vs one-hot, ordinal and target encoding.

Each encoder turns the categorical columns into numbers (the continuous columns are
standardized alongside), then four downstream models are trained on the result:
a linear model, k-nearest neighbours, a random forest and histogram gradient
boosting. LightGBM on native categorical columns is reported as the strongest
single-model peer (no encoder, no downstream model).

Datasets (``../shared/datasets`` next to the repository root, or ``--data-dir``):

* adult -- census income, binary target ``income == ">50K"``, ROC AUC on a random
  80/20 split (seed 0).
* movielens -- MovieLens 100k ratings, regression on ``rating``, RMSE on the last
  20% of the ratings by timestamp (train on the first 80%).

Usage::

    python -m benchmarks.quality            # full run, writes results/quality.{json,md}
    python -m benchmarks.quality --quick    # smoke run, writes results/quality_quick.*

The full run takes about 10-20 minutes on 2 CPU cores. Combinations that are not
practical there (a random forest on ~2,500 one-hot columns) are recorded as
"skipped (reason)" instead of being run.

Modules: ``settings`` (the encoders, models and thresholds compared), ``datasets`` (the
splits of adult and movielens), ``encoders`` and ``models`` (what is fitted), ``runner``
(every combination, into one payload), ``report`` (the goals and the markdown) and ``cli``
(the flags, ``main``).
"""
