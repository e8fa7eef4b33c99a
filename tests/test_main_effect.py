"""The linear path and its main-effect axes."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from skembed import EntityEmbeddingEncoder
from skembed._table_training import main_effect_basis
from skembed.datasets import load_adult_sample


@pytest.fixture(scope="module")
def census():
    X, y = load_adult_sample()
    return X.iloc[:4000].reset_index(drop=True), y[:4000]


def test_main_effect_basis_is_orthogonal_and_reads_the_weights():
    """The basis is orthogonal; its first axis is the weights' direction, growing with them."""
    rng = np.random.RandomState(0)
    weights = rng.normal(size=(1, 6))
    basis = main_effect_basis(weights)
    np.testing.assert_allclose(basis.T @ basis, np.eye(6), atol=1e-6)
    np.testing.assert_allclose(basis[:, 0], weights[0] / np.linalg.norm(weights), atol=1e-6)
    table = rng.normal(size=(20, 6)).astype(np.float32)
    rotated = table @ basis
    assert np.corrcoef(rotated[:, 0], table @ weights[0])[0, 1] > 0.9999


def test_main_effect_basis_of_several_outputs_and_of_zero_weights():
    """Two outputs span the first two axes; all-zero weights leave the table as it is."""
    rng = np.random.RandomState(1)
    weights = rng.normal(size=(2, 5))
    basis = main_effect_basis(weights)
    residual = weights.T - basis[:, :2] @ (basis[:, :2].T @ weights.T)
    np.testing.assert_allclose(residual, 0, atol=1e-6)
    np.testing.assert_array_equal(main_effect_basis(np.zeros((1, 4))), np.eye(4))


def test_linear_path_puts_the_main_effect_on_the_first_coordinate(census):
    """On census data, each column's first coordinate ranks rows like its target effect."""
    X, y = census
    encoder = EntityEmbeddingEncoder(max_iter=5, random_state=0).fit(X, y)  # on by default
    Z = encoder.transform(X)
    names = list(encoder.get_feature_names_out())
    for column in ["relationship", "marital-status"]:
        assert roc_auc_score(y, Z[:, names.index(f"{column}_emb0")]) > 0.7
    plain = EntityEmbeddingEncoder(max_iter=5, random_state=0, linear_path=False)
    plain = plain.fit(X, y).transform(X)
    firsts = [names.index(f"{column}_emb0") for column in X.columns[encoder.categorical_columns_]]
    oriented = np.mean([roc_auc_score(y, Z[:, j]) for j in firsts])
    arbitrary = np.mean([roc_auc_score(y, plain[:, j]) for j in firsts])
    assert oriented > arbitrary + 0.05  # without the path, a first axis has no meaning


def test_linear_path_is_ignored_without_a_target(census):
    """fit(X) trains no linear path; the tables are those of a fit without the option."""
    X, _ = census
    with_path = EntityEmbeddingEncoder(max_iter=1, random_state=0).fit(X)
    without = EntityEmbeddingEncoder(max_iter=1, random_state=0, linear_path=False).fit(X)
    for a, b in zip(with_path.embeddings_, without.embeddings_):
        np.testing.assert_array_equal(a, b)


def test_embedding_learning_rate_default_is_ten_times_the_network_rate(census):
    """None trains the tables at 10 x learning_rate_init: the same tables as giving it."""
    X, y = census
    implicit = EntityEmbeddingEncoder(max_iter=2, random_state=0, learning_rate_init=2e-3)
    explicit = EntityEmbeddingEncoder(
        max_iter=2, random_state=0, learning_rate_init=2e-3, embedding_learning_rate=2e-2
    )
    slower = EntityEmbeddingEncoder(
        max_iter=2, random_state=0, learning_rate_init=2e-3, embedding_learning_rate=2e-3
    )
    a, b, c = (e.fit(X, y).embeddings_[0] for e in (implicit, explicit, slower))
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)


def test_tables_that_start_from_given_rows_are_not_rotated(census):
    """Pretrained and warm-started tables keep their coordinates; fresh ones are rotated."""
    X, y = census
    first = EntityEmbeddingEncoder(max_iter=2, random_state=0, warm_start=True).fit(X, y)
    assert first.network_weights_["linear_path.weight"].any()
    before = [table.copy() for table in first.embeddings_]
    absent = X["education"] != "Masters"
    first.fit(X[absent], y[absent])  # continued: Masters gets no gradient and no rotation
    row = list(first.categories_[1]).index("Masters")
    np.testing.assert_array_equal(first.embeddings_[1][row], before[1][row])
    table = first.get_embeddings("education")
    pretrained = EntityEmbeddingEncoder(
        pretrained_embeddings={"education": table},
        freeze_pretrained=True,
        max_iter=2,
        random_state=0,
    ).fit(X, y)
    kept = pretrained.get_embeddings("education").loc[table.index[:-2]]
    np.testing.assert_array_equal(kept.to_numpy(), table.iloc[:-2].to_numpy())
