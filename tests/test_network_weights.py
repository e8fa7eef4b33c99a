"""The trained network kept in the fitted state (``network_weights_``)."""

import numpy as np
import pytest
from sklearn.metrics import roc_auc_score

from skembed import EntityEmbeddingEncoder, load
from skembed.datasets import load_adult_sample

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def census():
    X, y = load_adult_sample()
    X = X.select_dtypes(exclude="number")  # the network reads the tables only
    return X.iloc[:3000].reset_index(drop=True), y[:3000]


def network_output(encoder, Z):
    """The kept network's output (logits) on transform's output ``Z`` (categorical X only)."""
    from skembed._module import _uninitialised_mlp

    weights = encoder.network_weights_
    hidden = [weights[f"mlp.{k}.weight"].shape[0] for k in range(len(weights))
              if f"mlp.{k}.running_mean" in weights]  # fmt: skip
    last = max(int(name.split(".")[1]) for name in weights if name.startswith("mlp."))
    head = weights[f"mlp.{last}.weight"]  # the output layer, whatever the hidden modules
    mlp = _uninitialised_mlp(Z.shape[1], hidden, head.shape[0], dropout=encoder.dropout)
    mlp.load_state_dict({k[4:]: torch.as_tensor(v) for k, v in weights.items()
                         if k.startswith("mlp.")})  # fmt: skip
    mlp.eval()
    with torch.no_grad():
        z = torch.as_tensor(np.asarray(Z, dtype=np.float32))
        out = mlp(z)
        if "linear_path.weight" in weights:
            out = out + z @ torch.as_tensor(weights["linear_path.weight"]).T
    return out.numpy()


def test_network_weights_are_the_trained_network(census):
    """The kept weights, fed the fitted tables, predict the training target (AUC > 0.8)."""
    X, y = census
    encoder = EntityEmbeddingEncoder(max_iter=4, random_state=0, n_jobs=1).fit(X, y)
    assert all(isinstance(v, np.ndarray) for v in encoder.network_weights_.values())
    assert not any(name.startswith("tables.") for name in encoder.network_weights_)
    logits = network_output(encoder, encoder.transform(X))
    assert roc_auc_score(y, logits[:, 0]) > 0.8


def test_linear_path_rotation_turns_the_network_weights_too(census, monkeypatch):
    """Tables rotated onto their main-effect axes, and the network's input weights with them,
    give the same outputs as the unrotated tables and weights."""
    X, y = census
    params = dict(linear_path=True, max_iter=3, random_state=0, n_jobs=1)
    rotated = EntityEmbeddingEncoder(**params).fit(X, y)
    import skembed._table_training as table_training

    monkeypatch.setattr(table_training, "main_effect_basis", lambda w: np.eye(w.shape[1]))
    plain = EntityEmbeddingEncoder(**params).fit(X, y)
    assert not np.allclose(rotated.embeddings_[0], plain.embeddings_[0])
    np.testing.assert_allclose(
        network_output(rotated, rotated.transform(X)),
        network_output(plain, plain.transform(X)),
        atol=2e-4,
    )


def test_self_supervised_fit_keeps_its_heads(census):
    """fit(X) keeps the heads that predict masked columns, under names starting with heads."""
    X, _ = census
    encoder = EntityEmbeddingEncoder(max_iter=2, random_state=0, n_jobs=1).fit(X)
    assert any(name.startswith("heads.") for name in encoder.network_weights_)


def test_network_weights_survive_save_and_load(census, tmp_path):
    """save/load returns every weight bit for bit, batch-norm counters (0-d) included."""
    X, y = census
    encoder = EntityEmbeddingEncoder(max_iter=2, random_state=0, n_jobs=1).fit(X, y)
    loaded = load(encoder.save(tmp_path / "enc.skembed"))
    assert loaded.network_weights_.keys() == encoder.network_weights_.keys()
    for name, value in encoder.network_weights_.items():
        assert loaded.network_weights_[name].shape == value.shape, name
        np.testing.assert_array_equal(loaded.network_weights_[name], value)


def test_no_categorical_column_keeps_no_network():
    """A fit with nothing to embed trains nothing and keeps no weights."""
    X = np.random.RandomState(0).normal(size=(50, 2))
    encoder = EntityEmbeddingEncoder(categorical_features=[]).fit(X, X[:, 0] > 0)
    assert encoder.network_weights_ == {}


def test_weights_of_another_network_are_refused():
    """Loading weights into a network of other widths is a clear error, nothing loaded."""
    from skembed._module import EntityEmbeddingNet
    from skembed._network_weights import load_network_weights, network_weights

    small = EntityEmbeddingNet([5], [2], 0, (8,), 1)
    large = EntityEmbeddingNet([5], [3], 0, (8,), 1)
    before = network_weights([large])
    with pytest.raises(ValueError, match="other column widths"):
        load_network_weights([large], network_weights([small]))
    for name, value in network_weights([large]).items():
        np.testing.assert_array_equal(value, before[name])


def test_frozen_network_trains_only_the_tables():
    """After freeze, only table parameters take gradients and batch norm stays in eval mode."""
    from skembed._module import EntityEmbeddingNet
    from skembed._network_weights import load_network_weights, network_weights

    net = EntityEmbeddingNet([5, 4], [2, 2], 1, (8,), 1)
    load_network_weights([net], network_weights([net]), freeze=True)
    trainable = {name for name, p in net.named_parameters() if p.requires_grad}
    assert trainable and all(name.startswith("tables.") for name in trainable)
    net.train()
    assert net.training and not net.mlp[1].training  # mlp[1] is the BatchNorm1d
