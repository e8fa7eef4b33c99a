"""cv with cross_fit="tables": one fit, one copy of each table per fold, out-of-fold rows."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.model_selection import GroupKFold

from conftest import make_frame, shared_dataset
from skembed import EntityEmbeddingEncoder
from skembed._fold_rows import FoldRows

FAST = dict(max_iter=4, random_state=0, n_jobs=1)


def starts_with(names, prefixes) -> np.ndarray:
    """Which output names start with one of ``prefixes``."""
    return np.array([str(name).startswith(prefixes) for name in names])


def test_each_repeat_reads_another_folds_copy():
    """Every row is repeated k - 1 times, once through each copy but its own fold's."""
    folds = np.array([0, 1, 2, 2, 0])
    crossing = FoldRows(folds, 3, crossed=[True, False], sizes=[4, 3])
    copies = crossing.copies().reshape(2, 5)
    assert (copies != folds).all()
    assert all(set(copies[:, i]) == {0, 1, 2} - {folds[i]} for i in range(5))
    rows = np.array([[0, 1], [1, 2], [3, 0], [2, 2], [0, 0]])
    cont = np.arange(5, dtype=np.float32)[:, None]
    expanded, cont_x, target_x, weight_x = crossing.expand(
        [rows, cont, np.arange(5), np.ones(5, np.float32)], single=[0, 1]
    )
    assert expanded.shape == (10, 2) and len(cont_x) == len(target_x) == len(weight_x) == 10
    np.testing.assert_array_equal(expanded[:, 0], np.tile(rows[:, 0], 2) + 4 * copies.ravel())
    np.testing.assert_array_equal(expanded[:, 1], np.tile(rows[:, 1], 2))  # not crossed
    assert crossing.table_sizes() == [12, 3]


def test_unknown_row_substitutes_within_each_copy():
    """unknown_rate swaps a copy's row for the same copy's unknown row."""
    crossing = FoldRows(np.zeros(3, np.int64), 2, crossed=[True], sizes=[4])
    (replacement,) = crossing.replacements([np.array([2, 2, 2, 3])])
    np.testing.assert_array_equal(replacement, [2, 2, 2, 3, 6, 6, 6, 7])


def test_fitted_table_is_the_mean_of_the_copies_that_trained_it():
    """split_tables: the mean of the copies that trained a row; an untrained copy's row
    becomes that copy's unknown row, as a category the fold never saw."""
    crossing = FoldRows(np.zeros(2, np.int64), 2, crossed=[True], sizes=[3])
    table = np.arange(12, dtype=np.float32).reshape(6, 2)  # copy 0: rows 0-2, copy 1: 3-5
    counts = [np.array([4, 0, 0, 2, 3, 0])]  # row 1 trained by copy 1 only; 2: unknown
    replacements = [np.array([2, 2, 2, 5, 5, 5])]
    (mean,), (copies,) = crossing.split_tables([table], counts, replacements)
    np.testing.assert_array_equal(copies[0, 1], copies[0, 2])  # copy 0 never saw row 1
    np.testing.assert_array_equal(copies[1], table[3:])
    np.testing.assert_array_equal(mean[0], (table[0] + table[3]) / 2)
    np.testing.assert_array_equal(mean[1], table[4])  # only copy 1 trained it
    np.testing.assert_array_equal(mean[2], (table[2] + table[5]) / 2)  # none: all copies


@pytest.fixture(scope="module")
def ids_seen_once():
    """2,000 ids seen once each, labels that are pure noise, and a weak real column."""
    rng = np.random.default_rng(0)
    n = 2000
    X = pd.DataFrame({"id": [f"u{i}" for i in range(n)], "group": rng.choice(list("abcd"), n)})
    y = (rng.random(n) < np.where(X["group"] == "a", 0.7, 0.4)).astype(int)
    return X, y


def test_out_of_fold_vectors_do_not_know_their_own_label(ids_seen_once):
    """An id seen once: in sample its first axis tells its label; out of fold it cannot."""
    X, y = ids_seen_once
    params = dict(embedding_dim={"id": 2, "group": 2}, max_iter=6, random_state=0, n_jobs=1)
    in_sample = EntityEmbeddingEncoder(cv=None, **params, early_stopping=False)
    in_sample = in_sample.fit_transform(X, y)
    crossed = EntityEmbeddingEncoder(cv=5, **params, early_stopping=False)
    out_of_fold = crossed.fit_transform(X, y)
    noise = y - np.where(X["group"] == "a", 0.7, 0.4)  # the part of y the id cannot know

    def corr(Z):
        return abs(np.corrcoef(Z[:, 0], noise)[0, 1])

    print(f"|corr(id axis, label noise)|: in sample {corr(in_sample):.3f}, "
          f"out of fold {corr(out_of_fold):.3f}")  # fmt: skip
    assert corr(in_sample) > 0.2
    assert corr(out_of_fold) < 0.1
    # an id seen once was never trained in its own fold's copy: it reads that copy's
    # unknown row, as an id unseen by the fold would: one vector per fold
    assert len(np.unique(out_of_fold[:, :2], axis=0)) == 5


def test_fit_and_fit_transform_train_the_same_tables():
    """fit(X, y) crosses too: transform does not depend on which was called; nothing is left."""
    X, y = make_frame(600)
    crossed = EntityEmbeddingEncoder(cv=3, **FAST)
    Z = crossed.fit_transform(X, y)
    fitted = EntityEmbeddingEncoder(cv=3, **FAST).fit(X, y)
    np.testing.assert_array_equal(crossed.transform(X), fitted.transform(X))
    assert not np.array_equal(Z, crossed.transform(X))
    continuous = ~starts_with(crossed.get_feature_names_out(), ("city", "colour"))
    np.testing.assert_array_equal(Z[:, continuous], crossed.transform(X)[:, continuous])
    assert "_out_of_fold" not in vars(crossed) and "_out_of_fold" not in vars(fitted)
    assert all(t.shape[0] == len(c) + 2 for t, c in zip(crossed.embeddings_, crossed.categories_))
    plain = EntityEmbeddingEncoder(**FAST).fit(X, y)
    assert len(pickle.dumps(crossed)) < 1.2 * len(pickle.dumps(plain))  # copies not kept


def test_same_random_state_same_output():
    """The folds and the fit follow random_state: two fits give the same arrays."""
    X, y = make_frame(500)
    first = EntityEmbeddingEncoder(cv=3, **FAST).fit_transform(X, y)
    again = EntityEmbeddingEncoder(cv=3, **FAST).fit_transform(X, y)
    np.testing.assert_array_equal(first, again)


def test_rows_of_weight_zero_keep_the_fitted_vectors():
    """A row of weight 0 trained nothing, so it is encoded by the fitted table."""
    X, y = make_frame(500)
    weight = np.ones(len(y))
    weight[:50] = 0
    encoder = EntityEmbeddingEncoder(cv=3, **FAST)
    Z = encoder.fit_transform(X, y, sample_weight=weight)
    np.testing.assert_array_equal(Z[:50], encoder.transform(X.iloc[:50]))
    assert not np.array_equal(Z[50:], encoder.transform(X.iloc[50:]))


def test_groups_keep_a_group_in_one_fold():
    """GroupKFold's groups reach the folds through fit_transform; fit alone says it needs them."""
    X, y = make_frame(600)
    groups = np.arange(len(y)) % 7
    encoder = EntityEmbeddingEncoder(cv=GroupKFold(3), **FAST)
    Z = encoder.fit_transform(X, y, groups=groups)
    assert np.isfinite(Z).all()
    with pytest.raises(ValueError, match="fit_transform\\(X, y, groups=groups\\)"):
        EntityEmbeddingEncoder(cv=GroupKFold(3), **FAST).fit(X, y)


def test_folds_do_not_depend_on_an_earlier_fit():
    """A fit on another target before does not change how the folds are stratified."""
    X, y = make_frame(500)
    fresh = EntityEmbeddingEncoder(cv=3, **FAST).fit_transform(X, y)
    reused = EntityEmbeddingEncoder(cv=3, **FAST).fit(X, X["age"].to_numpy())
    np.testing.assert_array_equal(reused.fit_transform(X, y), fresh)


def test_out_of_fold_vectors_are_never_kept(monkeypatch):
    """If the output fails after the fit, the out-of-fold vectors are not left behind."""
    import skembed._cross_fit as cross_fit

    X, y = make_frame(300)
    encoder = EntityEmbeddingEncoder(cv=3, **FAST)

    def failing(*args):
        raise MemoryError("no room for the output")

    monkeypatch.setattr(cross_fit, "encode", failing)
    with pytest.raises(MemoryError):
        encoder.fit_transform(X, y)
    assert "_out_of_fold" not in vars(encoder)
    assert "_out_of_fold" not in pickle.loads(pickle.dumps(encoder)).__dict__


def test_groups_with_rows_of_weight_zero():
    """An int cv with groups and rows of weight 0 splits the other rows and their groups."""
    X, y = make_frame(400)
    weight = np.ones(len(y))
    weight[::10] = 0
    groups = np.arange(len(y)) % 9
    Z = EntityEmbeddingEncoder(cv=3, **FAST).fit_transform(X, y, sample_weight=weight,
                                                           groups=groups)  # fmt: skip
    assert np.isfinite(Z).all()


def test_bags_and_shared_tables_are_not_crossed():
    """A bag column and shared tables keep one table: their blocks are the fitted vectors."""
    X, y = make_frame(500)
    away = X["city"].sample(frac=1, random_state=0).to_numpy()
    tags = [["x", "y"] if i % 3 else ["z"] for i in range(len(X))]
    X = X.assign(tags=tags, home=X["city"], away=away)
    encoder = EntityEmbeddingEncoder(cv=3, shared_embeddings=[["home", "away"]], **FAST)
    Z = encoder.fit_transform(X, y)
    names = encoder.get_feature_names_out()
    same = starts_with(names, ("tags", "home", "away"))
    np.testing.assert_array_equal(Z[:, same], encoder.transform(X)[:, same])
    crossed = starts_with(names, ("city", "colour"))
    assert not np.array_equal(Z[:, crossed], encoder.transform(X)[:, crossed])


def test_partial_fit_and_self_supervised_fits_ignore_cv():
    """partial_fit and fit(X) train one table: fit_transform is fit then transform."""
    X, y = make_frame(400)
    encoder = EntityEmbeddingEncoder(cv=3, **FAST).partial_fit(X, y)
    assert all(t.shape[0] == len(c) + 2 for t, c in zip(encoder.embeddings_, encoder.categories_))
    unsupervised = EntityEmbeddingEncoder(cv=3, **FAST)
    np.testing.assert_array_equal(unsupervised.fit_transform(X), unsupervised.transform(X))


def test_cross_fitted_tables_help_trees_on_tuna_choice():
    """Households seen ~3 times: boosting on out-of-fold vectors beats in-sample ones."""
    from sklearn.ensemble import HistGradientBoostingClassifier
    from sklearn.metrics import log_loss
    from sklearn.model_selection import train_test_split

    f = pd.read_parquet(shared_dataset("suite/tuna_choice.parquet"))
    y = f.pop("Tuna.choice").to_numpy()
    X = f.assign(**{"Tuna.hid": f["Tuna.hid"].astype(str)})
    Xtr, Xte, ytr, yte = train_test_split(X, y, test_size=0.2, random_state=0, stratify=y)
    loss = {}
    for cv in [None, 5]:  # shrinkage as each was chosen with
        encoder = EntityEmbeddingEncoder(categorical_features=["Tuna.hid"], continuous="scale",
                                         cv=cv, shrinkage=0.2 if cv is None else 0.0,
                                         random_state=0, n_jobs=1)  # fmt: skip
        model = HistGradientBoostingClassifier(random_state=0)
        model.fit(encoder.fit_transform(Xtr, ytr), ytr)
        loss[cv] = log_loss(yte, model.predict_proba(encoder.transform(Xte)))
    print(f"tuna_choice boosting log loss: in sample {loss[None]:.4f}, cv=5 {loss[5]:.4f}")
    assert loss[5] < 0.85 * loss[None]


def test_an_integer_target_warns_once():
    """Drawing the folds detects the target type quietly: the fit's warning shows once."""
    import warnings

    X, _ = make_frame(400)
    y = np.arange(400) % 30  # 30 integers: treated as a quantity, with a warning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        EntityEmbeddingEncoder(cv=3, **FAST).fit_transform(X, y)
    assert sum("treats it as a quantity" in str(w.message) for w in caught) == 1


def test_a_used_up_iterator_of_splits_says_so():
    """cv as an iterator of splits serves one fit; the next one says why it has no folds."""
    from sklearn.model_selection import KFold

    X, y = make_frame(300)
    encoder = EntityEmbeddingEncoder(cv=iter(KFold(3).split(X)), **FAST)
    assert np.isfinite(encoder.fit_transform(X, y)).all()
    with pytest.raises(ValueError, match="used up by the first fit"):
        encoder.fit_transform(X, y)
