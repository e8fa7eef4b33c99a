"""Early stopping and the progress bar: the best epoch's weights, and a bar that closes."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skembed import _progress  # noqa: E402
from skembed._early_stopping import EarlyStopping  # noqa: E402
from skembed._training import TrainingConfig, TrainingDivergedError, train  # noqa: E402


def _fit(**changes):
    """A small binary fit on random data whose held-out score stalls after the first epochs."""
    rng = np.random.RandomState(0)
    n = 300
    rows = np.stack([rng.randint(0, 12, n), rng.randint(0, 7, n)], 1).astype(np.int64)
    cont = rng.randn(n, 2).astype(np.float32)
    target = (rng.rand(n, 1) < 0.4).astype(np.float32)
    options = dict(
        hidden_layer_sizes=(8,), dropout=0.0, embedding_dropout=0.0, unknown_rate=0.05,
        alpha=1e-4, batch_size=32, learning_rate_init=0.05, max_iter=12, early_stopping=True,
        validation_fraction=0.2, n_iter_no_change=2, tol=1e-4, verbose=0, device="cpu", seed=3,
    )  # fmt: skip
    options.update(changes)
    return train(
        rows, cont, target, np.ones(n, np.float32), task="binary", n_outputs=1,
        table_sizes=[12, 7], embedding_dims=[3, 2], config=TrainingConfig(**options),
    )  # fmt: skip


def test_update_counts_epochs_without_improvement_beyond_tol():
    """An epoch improves only by more than tol; n_iter_no_change stalls in a row stop."""
    stopping = EarlyStopping(tol=0.5, n_iter_no_change=2, keep_best_weights=False)
    module = torch.nn.Linear(1, 1)
    assert stopping.update(1, 1.0, module)
    assert not stopping.update(2, 1.4, module)  # within tol
    assert not stopping.should_stop
    assert stopping.update(3, 2.0, module)  # resets the count
    assert not stopping.update(4, float("nan"), module)
    assert not stopping.update(5, 2.1, module)
    assert stopping.should_stop and stopping.best_epoch == 3 and stopping.best_score == 2.0


def test_restore_best_loads_the_best_epochs_weights():
    """restore_best() loads the weights copied at the best epoch, not later ones."""
    stopping = EarlyStopping(tol=0.0, n_iter_no_change=5, keep_best_weights=True)
    module = torch.nn.Linear(2, 1)
    for epoch, score in enumerate([0.1, 0.3, 0.2], start=1):
        with torch.no_grad():
            module.weight.fill_(epoch)
        stopping.update(epoch, score, module)
    stopping.restore_best(module)
    assert torch.equal(module.weight, torch.full((1, 2), 2.0))


def test_restore_best_without_kept_weights_keeps_the_last():
    """Without keep_best_weights (no held-out data), restore_best() leaves the module as is."""
    stopping = EarlyStopping(tol=0.0, n_iter_no_change=5, keep_best_weights=False)
    module = torch.nn.Linear(2, 1)
    stopping.update(1, 1.0, module)
    with torch.no_grad():
        module.weight.fill_(7.0)
    stopping.restore_best(module)
    assert torch.equal(module.weight, torch.full((1, 2), 7.0))


def test_fit_returns_the_tables_of_the_best_epoch():
    """A fit that ran past its best epoch returns the tables of a fit stopped at that epoch."""
    stopped = _fit()
    assert stopped.best_iter < stopped.n_iter < 12
    assert len(stopped.validation_scores) == stopped.n_iter
    at_best = _fit(max_iter=stopped.best_iter)
    for table, expected in zip(stopped.embeddings, at_best.embeddings):
        np.testing.assert_array_equal(table, expected)


class _RecordingBar:
    """Stands in for tqdm: records the ticks, the postfixes and the close."""

    instances: list = []

    def __init__(self, total, disable, **kwargs):
        self.total, self.disable, self.n, self.postfixes, self.closed = total, disable, 0, [], 0
        _RecordingBar.instances.append(self)

    def set_postfix(self, postfix):
        self.postfixes.append(dict(postfix))

    def update(self, n):
        self.n += n

    def close(self):
        self.closed += 1


@pytest.fixture
def bar(monkeypatch):
    """The progress bar of the next fit, as a _RecordingBar."""
    _RecordingBar.instances = []
    monkeypatch.setattr(_progress, "tqdm", _RecordingBar)
    return _RecordingBar.instances


def test_progress_bar_closes_at_the_last_epoch_when_early_stopping_ends(bar):
    """Early stopping ends the bar once, at the epoch it stopped, with the held-out score shown."""
    result = _fit(verbose=1)
    (progress,) = bar
    assert not progress.disable and progress.total == 12
    assert progress.closed == 1 and progress.n == result.n_iter < 12
    assert len(progress.postfixes) == result.n_iter
    assert progress.postfixes[-1] == {
        "loss": f"{result.loss_curve[-1]:.4f}",
        "val_loss": f"{-result.validation_scores[-1]:.4f}",  # the held-out loss, positive
    }


def test_progress_bar_closes_when_training_diverges(bar):
    """A diverged fit raises TrainingDivergedError after closing its bar."""
    with pytest.raises(TrainingDivergedError, match="epoch 1"):
        _fit(learning_rate_init=float("inf"))
    assert bar[0].closed == 1 and bar[0].disable  # verbose=0: a disabled bar


def test_progress_bar_shows_the_training_loss_alone_without_held_out_rows(bar):
    """Without early stopping, each epoch shows its training loss only."""
    result = _fit(verbose=1, early_stopping=False, max_iter=2)
    assert bar[0].postfixes == [{"loss": f"{loss:.4f}"} for loss in result.loss_curve]
    assert result.validation_scores is None and bar[0].closed == 1
