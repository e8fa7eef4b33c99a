"""Main effects first: the linear path and the tables alone, then the whole network.

With ``main_effects_first`` (a supervised fit with a linear path, scored on held-out
rows, not continuing an earlier network) a fit trains in two phases:

1. **Main effects.** The network's output is the linear path's map of the vectors plus
   the head's bias (:attr:`EntityEmbeddingNet.additive`): an additive model of the
   categories' main effects; the MLP does not run. It trains until the held-out loss
   stops improving, and goes back to its best epoch.
2. **The whole network**, from there, with early stopping of its own. The head's
   weights were held at zero during the first phase; they are drawn afresh, so that the
   MLP's hidden layers get gradients.

If the second phase never beats the first one's held-out loss (by more than ``tol``), the
first phase's weights are kept, head weights at zero: the fitted network
(``network_weights_``) then computes exactly that additive model. Both phases share the
epoch budget ``max_iter``; the first takes at most half of it (at least one epoch), so that a
short fit still trains the whole network. The curves (``loss_curve_``,
``validation_scores_``) run on from one phase to the next.

Why: early stopping of the whole network came after 3 to 5 epochs on the tables where
target encoding won, before the rare ids' main effects were learned; trained alone, the
main effects keep improving the held-out loss for longer, and the network then starts
from them (``benchmarks/results/main_effects_first.md``).
"""

from __future__ import annotations

import copy
from collections.abc import Callable

import torch

from ._epochs import EpochHistory
from ._layers import init_linear_
from ._module import EntityEmbeddingNet
from ._progress import FIT_LABEL

__all__ = ["main_effects_first"]


def main_effects_first(
    net: EntityEmbeddingNet,
    run: Callable[[int, str], EpochHistory],
    max_iter: int,
    generator: torch.Generator,
    tol: float = 0.0,
) -> EpochHistory:
    """Train ``net``'s main effects, then the whole network (module doc); the joint curves.

    Parameters
    ----------
    net : EntityEmbeddingNet
        With a linear path.
    run : callable
        ``run(max_iter, label)`` trains ``net`` for at most that many epochs with early
        stopping on held-out rows, leaves it at its best epoch and returns the curves;
        ``label`` names the phase on the progress bar (``verbose``).
    max_iter : int
        Epochs of both phases together; the first phase gets at most half (at least one).
    generator : torch.Generator
        Draws the head's weights for the second phase (the fit's initialisation stream).
    tol : float
        The second phase is kept only if its best held-out score beats the first's by more
        than this (``tol`` of early stopping).
    """
    head = net.mlp[-1]
    with torch.no_grad():
        head.weight.zero_()
    net.additive = True
    try:
        first = run(max(max_iter // 2, 1), f"{FIT_LABEL} (main effects)")
    finally:
        net.additive = False
    if first.n_iter >= max_iter:
        return first  # no epoch left: the additive model, head weights at zero
    kept = copy.deepcopy(net.state_dict())
    with torch.no_grad():  # the head's weights afresh; its bias keeps the first phase's
        bias = head.bias.detach().clone()
        init_linear_(head, generator)
        head.bias.copy_(bias)
    second = run(max_iter - first.n_iter, f"{FIT_LABEL} (network)")
    best_iter = first.n_iter + second.best_iter
    if _best_score(second) <= _best_score(first) + tol:
        net.load_state_dict(kept)
        best_iter = first.best_iter
    return EpochHistory(
        loss_curve=first.loss_curve + second.loss_curve,
        validation_scores=first.validation_scores + second.validation_scores,
        n_iter=first.n_iter + second.n_iter,
        best_iter=best_iter,
    )


def _best_score(history: EpochHistory) -> float:
    """The held-out score of a run's best epoch (minus infinity without one)."""
    if history.best_iter < 1:
        return float("-inf")
    return history.validation_scores[history.best_iter - 1]
