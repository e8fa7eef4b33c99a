"""Fixed-seed fits whose tables and transforms are frozen in ``tests/data/behaviour.npz``.

The fixture was first written by ``python tests/behaviour_cases.py`` on the main branch
*before* the package was split into layered modules (commit 998510f), and the split reproduced
every array bit for bit. It was written again, deliberately, when the defaults chosen on the
14-dataset suite changed the results (``min_frequency=1``, tables at 10x the learning rate,
initial rows of std 0.005), and when the output took the input's column order with the
continuous columns passed through (every table and every embedding column unchanged), and
when bags became ragged (the unknown-row dropout draws one number per token instead of one
per padded cell: only the "bags" case changed; with unknown_rate=0 it matches the padded
network to 2.4e-6), and when an integer ``cv`` started to shuffle its folds (only
"cv3/fit_transform" changed), and when dropout masks came to be drawn as a uniform compared
with ``p`` instead of by ``bernoulli_`` (every case changed; the patience and batch defaults
chosen with it do not act in these 2-epoch fits on 2,700 training rows), and when
``shrinkage=0.2`` became the default (the supervised in-memory cases changed; the flat table
and patience 1 before it had left every array as it was), and when ``linear_path=True`` became
the default (the supervised cases changed: a linear path trains and rotates each fresh table),
and when ``main_effects_first=True`` and ``max_embedding_dim=8`` became the defaults (the
supervised cases with held-out rows changed: the linear path and the tables train alone first;
no column of these cases is wider than 8, so the new cap changed nothing by itself; it was
written again when the first phase came to take at most half of ``max_iter``), and when
``cv=5`` (cross-fitted tables, ``cross_fit="tables"``) and ``shrinkage=0`` became the
defaults (the supervised in-memory cases changed: each table trains one copy per fold, the
fitted table is their mean; the "cv3" case keeps ``cross_fit="refit"``, its fold models),
and when ``dropout=0`` became the default (the supervised cases changed: no masks after the
hidden layers).
``test_behaviour.py`` checks that the package reproduces every
array; regenerate the fixture only for a deliberate change of results, and say so.
"""

from pathlib import Path

import numpy as np

FIXTURE = Path(__file__).parent / "data" / "behaviour.npz"


def cases():
    """Yield ``(name, fitted encoder, X used for transform, fit_transform output or None)``."""
    import dask.dataframe as dd

    from skembed import EntityEmbeddingEncoder
    from skembed.datasets import load_adult_sample

    X, y = load_adult_sample()
    X, y = X.iloc[:3000].reset_index(drop=True), y[:3000]
    base = {"max_iter": 2, "random_state": 0}

    yield "defaults", EntityEmbeddingEncoder(**base).fit(X, y), X, None

    bags = X.assign(roles=X["occupation"].fillna("") + "|" + X["relationship"])
    encoder = EntityEmbeddingEncoder(separator={"roles": "|"}, **base).fit(bags, y)
    yield "bags", encoder, bags, None

    hashed = EntityEmbeddingEncoder(max_categories=5, hash_buckets=8, **base).fit(X, y)
    yield "hash_buckets", hashed, X, None

    table = hashed.get_embeddings("education").iloc[:-2]
    # as the fixture was written: its <unknown>, <missing> and <hash k> rows count as
    # categories (pretrained_embeddings now leaves out the rows that attrs marks)
    table.attrs.clear()
    pretrained = {"education": table.iloc[:, :3]}
    frozen = EntityEmbeddingEncoder(
        pretrained_embeddings=pretrained, freeze_pretrained=True, **base
    ).fit(X, y)
    yield "pretrained_frozen", frozen, X, None

    yield "self_supervised", EntityEmbeddingEncoder(**base).fit(X), X, None

    crossed = EntityEmbeddingEncoder(cv=3, cross_fit="refit", **base)  # the fold models
    out = crossed.fit_transform(X, y)
    yield "cv3", crossed, X, out

    ddf = dd.from_pandas(X.assign(income=y), npartitions=4)
    streamed = EntityEmbeddingEncoder(**base).fit(ddf.drop(columns="income"), ddf["income"])
    yield "dask", streamed, X, None


def arrays():
    """The arrays of every case, keyed ``"{case}/{what}"``."""
    found = {}
    for name, encoder, X, fitted_out in cases():
        for i, table in enumerate(encoder.embeddings_):
            found[f"{name}/embeddings_{i}"] = np.asarray(table)
        found[f"{name}/transform"] = np.asarray(encoder.transform(X))
        if fitted_out is not None:
            found[f"{name}/fit_transform"] = np.asarray(fitted_out)
    return found


if __name__ == "__main__":
    FIXTURE.parent.mkdir(exist_ok=True)
    np.savez_compressed(FIXTURE, **arrays())
    print(f"wrote {FIXTURE}")
