"""Which rule should ``embedding_dim="auto"`` use?  Compare embedding-width rules.

Protocol (fixed in advance; no test split is ever read)
-------------------------------------------------------
Datasets (``../shared/datasets`` next to the repository root, or ``--data-dir``):

- **adult**: binary target ``income == ">50K"``. Categorical: workclass, education,
  marital-status, occupation, relationship, race, gender, native-country. Continuous:
  age, fnlwgt, educational-num, capital-gain, capital-loss, hours-per-week. A random
  80/20 split (``random_state=0``) sets the test 20 % aside, untouched; the 80 % training
  part is split again 75/25 (``random_state=1``) into *fit* and *validation*.
- **movielens**: regression on ``rating`` (``target_type="continuous"``). Categorical:
  user_id, movie_id, gender, occupation, zip_code (all cast to str). Continuous: age.
  Rows sorted by timestamp; the first 80 % are training (the last 20 % are the test part,
  untouched); within training the first 75 % are *fit*, the last 25 % *validation*.

Rules, each passed as a callable ``embedding_dim=f(n_categories)`` with
``max_embedding_dim=10_000`` so the encoder's cap never interferes (``n`` is the number
of categories the encoder keeps, after ``min_frequency=5``):

==============  =======================================  =================================
name            width                                    origin
==============  =======================================  =================================
lab             ``max(3, round(n ** 0.25))``             seed lab rule (4th root)
log2            ``max(2, ceil(log2(n)) + 1)``            logarithmic rule
fixed8          ``8``                                    constant
fixed16         ``16``                                   constant
half50          ``min(50, (n + 1) // 2)``                Guo & Berkhahn / Kaggle rule
fastai50        ``min(50, max(2, round(1.6 n^0.56)))``   "auto" until tuned (cap 50)
fastai600       ``min(600, round(1.6 n^0.56))``          fastai as published (cap 600)
==============  =======================================  =================================

For every rule, dataset and seed (``random_state`` 0 and 1) the encoder is fitted on the
*fit* part with default parameters otherwise, and two downstream models are trained on
its transformed fit part and scored on the transformed *validation* part:

- adult: ``LogisticRegression(max_iter=1000)`` and
  ``HistGradientBoostingClassifier(random_state=0)``, ROC AUC (higher is better);
- movielens: ``Ridge()`` and ``HistGradientBoostingRegressor(random_state=0)``, RMSE
  (lower is better).

Recorded: the scores, the output width of ``transform``, the encoder's fit time (wall
clock, ``--threads`` torch / BLAS / OpenMP threads, 1 by default so that timings are not
distorted by over-subscription on a shared machine) and the epochs run.

Two rules that give the same widths on a dataset give bitwise identical fits (CPU fits
with an int ``random_state`` are deterministic), so that fit is run once and shared; the
widths are read beforehand by a probe that stops ``fit`` as soon as the rule is called.

Recommendation: in each of the four (dataset, model) cells the rules are ranked by their
mean score over the seeds, and the *noise* of the cell is the pooled standard deviation
of the score across seeds. A rule is *within noise* of the best in a cell when its gap to
the best mean is at most that noise. The recommended rule is, among the rules within noise
of the best in every cell, the one with the smallest total output width (then the fastest
fit); if no rule is within noise everywhere, the best mean rank wins (ties: narrower).
As a diagnostic only, the mean over cells of (gap to the best) / (cell noise) is reported
too. Caveats: two seeds give a crude noise estimate, and it covers the encoder's
randomness only (the splits and the boosting seed are fixed).

Usage::

    python -m benchmarks.studies.embedding_dim                # full protocol, ~10 min on 1 core
    python -m benchmarks.studies.embedding_dim --quick        # smoke test, to a temporary folder
    python -m benchmarks.studies.embedding_dim --report-only  # re-render from embedding_dim.json

Writes ``benchmarks/results/embedding_dim.json`` and ``embedding_dim.md``.
"""

# The docstring is the protocol, stored as is in the results (cli.py). Modules: ``rules``
# (the width rules compared), ``datasets`` (the validation splits), ``protocol`` (one fit and
# its downstream scores), ``analysis`` (the table and the recommendation), ``report``
# (markdown and files) and ``cli`` (the flags, ``main``).
