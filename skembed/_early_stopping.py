"""Early stopping: stop when the score stalls, and go back to the best epoch's weights."""

from __future__ import annotations

import copy

import numpy as np
from torch import nn

__all__ = ["EarlyStopping"]


class EarlyStopping:
    """Track the best score of the epochs; say when to stop; keep the best weights.

    An epoch improves when its score (higher is better) beats the best so far
    by more than ``tol``. Training stops after ``n_iter_no_change``
    consecutive epochs without improvement.

    Parameters
    ----------
    tol : float
        Least gain that counts as an improvement.
    n_iter_no_change : int
        Epochs without improvement before stopping.
    keep_best_weights : bool
        Copy the module's ``state_dict`` at every improvement, for
        :meth:`restore_best` (scores of held-out data); otherwise the last
        epoch's weights are kept.

    Attributes
    ----------
    best_score : float
        Best score so far (``-inf`` before the first epoch).
    best_epoch : int
        Epoch of ``best_score`` (0 before the first improvement).
    epochs_without_improvement : int
        Consecutive epochs since the last improvement.
    """

    def __init__(self, tol: float, n_iter_no_change: int, keep_best_weights: bool) -> None:
        self.tol = tol
        self.n_iter_no_change = n_iter_no_change
        self.keep_best_weights = keep_best_weights
        self.best_score = -np.inf
        self.best_epoch = 0
        self.epochs_without_improvement = 0
        self._best_state: dict | None = None

    def update(self, epoch: int, score: float, module: nn.Module) -> bool:
        """Record epoch ``epoch``'s score (``module`` as it is now); whether it improved."""
        if score > self.best_score + self.tol:
            self.best_score, self.best_epoch = score, epoch
            self.epochs_without_improvement = 0
            if self.keep_best_weights:
                self._best_state = copy.deepcopy(module.state_dict())
            return True
        self.epochs_without_improvement += 1
        return False

    @property
    def should_stop(self) -> bool:
        """Whether ``n_iter_no_change`` epochs in a row did not improve."""
        return self.epochs_without_improvement >= self.n_iter_no_change

    def restore_best(self, module: nn.Module) -> None:
        """Load the best epoch's weights into ``module``, when they were kept."""
        if self._best_state is not None:
            module.load_state_dict(self._best_state)
