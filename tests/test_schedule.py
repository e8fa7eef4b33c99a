"""Main effects first: the linear path and the tables alone, then the whole network."""

import numpy as np
import pandas as pd
import pytest

from conftest import shared_dataset

torch = pytest.importorskip("torch")

from sklearn.linear_model import Ridge  # noqa: E402
from sklearn.metrics import mean_squared_error  # noqa: E402

from skembed import EntityEmbeddingEncoder  # noqa: E402
from skembed._epochs import EpochHistory  # noqa: E402
from skembed._module import EntityEmbeddingNet  # noqa: E402
from skembed._schedule import main_effects_first  # noqa: E402


def _net():
    """A small network with a linear path: two columns, one hidden layer, one output."""
    return EntityEmbeddingNet([6, 5], [3, 2], 1, (4,), 1, linear_path=True)


def _fake_run(net, scores, seen):
    """A stand-in for the epochs: records whether the MLP ran, moves what trains, scores."""

    def run(max_iter, label):
        seen.append((net.additive, max_iter))
        assert label == ("skembed fit (main effects)" if net.additive else "skembed fit (network)")
        with torch.no_grad():
            for name, parameter in net.named_parameters():
                # the additive model trains no MLP weight but the head's bias
                if (
                    not net.additive
                    or not name.startswith("mlp.")
                    or parameter is net.mlp[-1].bias
                ):
                    parameter.add_(1.0)
        phase = scores[len(seen) - 1]
        return EpochHistory([1.0] * len(phase), list(phase), len(phase), int(np.argmax(phase)) + 1)

    return run


def test_the_additive_model_is_kept_when_the_whole_network_does_no_better():
    """Phase 2 scoring below phase 1: phase 1's weights come back, head weights zero."""
    net, seen = _net(), []
    run = _fake_run(net, [[-3.0, -1.0, -2.0], [-1.5, -1.2]], seen)
    history = main_effects_first(net, run, 10, torch.Generator().manual_seed(0))
    assert seen == [(True, 5), (False, 7)]  # the MLP off (half the budget at most), then on
    assert torch.count_nonzero(net.mlp[-1].weight) == 0
    assert torch.equal(net.linear_path.weight, torch.ones_like(net.linear_path.weight))
    assert history.n_iter == 5 and history.best_iter == 2
    assert history.validation_scores == [-3.0, -1.0, -2.0, -1.5, -1.2]


def test_the_whole_network_is_kept_when_it_does_better():
    """Phase 2 beating phase 1: its weights stay; best_iter counts phase 1's epochs."""
    net, seen = _net(), []
    run = _fake_run(net, [[-3.0, -1.0], [-0.9, -0.5, -0.7]], seen)
    bias = net.mlp[-1].bias.detach().clone()
    history = main_effects_first(net, run, 10, torch.Generator().manual_seed(0))
    assert torch.equal(net.linear_path.weight, 2 * torch.ones_like(net.linear_path.weight))
    assert torch.count_nonzero(net.mlp[-1].weight) > 0  # drawn afresh for phase 2
    assert torch.equal(net.mlp[-1].bias, bias + 2.0)  # phase 1's bias, trained on
    assert history.n_iter == 5 and history.best_iter == 4


def test_a_gain_within_tol_keeps_the_additive_model():
    """Phase 2 ahead by less than tol does not count: phase 1's weights come back."""
    net = _net()
    run = _fake_run(net, [[-1.0], [-0.99995]], [])
    history = main_effects_first(net, run, 10, torch.Generator().manual_seed(0), tol=1e-4)
    assert history.best_iter == 1 and torch.count_nonzero(net.mlp[-1].weight) == 0


def test_without_an_epoch_left_the_fit_is_the_additive_model(frame):
    """max_iter=1: phase 1 takes the only epoch; the fitted head's weights are zero."""
    X, y = frame
    enc = EntityEmbeddingEncoder(max_iter=1, random_state=0).fit(X, y)
    head = max((k for k in enc.network_weights_ if k.startswith("mlp.")), key=_layer_index)
    assert enc.n_iter_ == 1 and np.count_nonzero(enc.network_weights_[head]) == 0
    without = EntityEmbeddingEncoder(max_iter=1, random_state=0, main_effects_first=False)
    assert np.count_nonzero(without.fit(X, y).network_weights_[head]) > 0


def test_curves_run_on_across_both_phases(frame):
    """loss_curve_ and validation_scores_ hold every epoch; best_iter_ is the best of them."""
    X, y = frame
    enc = EntityEmbeddingEncoder(random_state=0).fit(X, y)
    scores = enc.validation_scores_
    assert len(enc.loss_curve_) == len(scores) == enc.n_iter_
    assert scores[enc.best_iter_ - 1] >= max(scores) - enc.tol


def test_no_phases_without_held_out_rows_or_a_linear_path(frame):
    """Without early stopping, or without the path, the option changes nothing."""
    X, y = frame
    for params in [{"early_stopping": False, "max_iter": 3}, {"linear_path": False}]:
        on = EntityEmbeddingEncoder(random_state=0, **params).fit(X, y)
        off = EntityEmbeddingEncoder(random_state=0, main_effects_first=False, **params)
        np.testing.assert_array_equal(on.transform(X), off.fit(X, y).transform(X))


def test_main_effects_first_helps_a_linear_model_on_college_scorecard():
    """Institutions' earnings, later year held out: ridge on the vectors gains at least 5 %."""
    f = pd.read_parquet(shared_dataset("suite/college_scorecard.parquet"))
    X = f[["unitid", "state_abbr", "pred_degree_awarded_ipeds"]].astype("category")
    y = np.log(f["earnings_med"].to_numpy())
    train, test = (f.year <= 2013).to_numpy(), (f.year == 2014).to_numpy()
    rmse = {}
    for first in [False, True]:
        enc = EntityEmbeddingEncoder(random_state=0, main_effects_first=first)
        model = Ridge().fit(enc.fit_transform(X[train], y[train]), y[train])
        rmse[first] = mean_squared_error(y[test], model.predict(enc.transform(X[test]))) ** 0.5
    print(f"college_scorecard ridge RMSE: {rmse[False]:.4f} -> {rmse[True]:.4f}")
    assert rmse[True] < 0.95 * rmse[False]


def _layer_index(name):
    """The position of an MLP parameter's layer (``mlp.8.weight`` -> 8), weights only."""
    parts = name.split(".")
    return int(parts[1]) if parts[-1] == "weight" else -1
