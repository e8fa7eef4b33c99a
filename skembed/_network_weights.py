"""The surrogate network's weights as plain NumPy arrays, and back into a network.

A fit keeps its trained network next to its tables (``network_weights_``): the MLP's
linear layers and batch-norm statistics, the linear path and the self-supervised
heads, as a dict from parameter name to array. It is saved without pickle and read
without torch; ``warm_start`` and ``partial_fit`` start from it. Loaded with
``freeze=True``, only the tables train (what the frozen-network cross-fitting of
``benchmarks/results/cv_shuffled.md`` prototyped; no estimator path freezes it today).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import torch
from torch import nn

__all__ = ["HEADS_PREFIX", "load_network_weights", "network_weights"]

HEADS_PREFIX = "heads."  # names of the self-supervised heads' weights start with this
_TABLES_PREFIX = "tables."  # the tables are the fitted tables, not network weights


def _named_weights(modules: Sequence[nn.Module]) -> dict[str, torch.Tensor]:
    """Every weight and buffer of the network (``modules[0]``) but its tables, then the
    heads' (``modules[1:]``) under names starting with :data:`HEADS_PREFIX`."""
    net, *heads = modules
    named = {}
    for prefix, module in [("", net)] + [(HEADS_PREFIX, head) for head in heads]:
        for name, value in module.state_dict().items():
            if prefix or not name.startswith(_TABLES_PREFIX):
                named[prefix + name] = value
    return named


def network_weights(modules: Sequence[nn.Module]) -> dict[str, np.ndarray]:
    """The weights and buffers of a fit's modules, tables left out, as NumPy copies.

    ``modules``: the network, then the heads (if any), as the training loop holds them.
    """
    return {
        name: value.detach().to("cpu").numpy().copy()
        for name, value in _named_weights(modules).items()
    }


def load_network_weights(
    modules: Sequence[nn.Module], weights: Mapping[str, np.ndarray], *, freeze: bool = False
) -> None:
    """Copy :func:`network_weights` of an earlier fit into ``modules``.

    With ``freeze``, only the tables train afterwards: every other parameter stops
    taking gradients and batch normalisation keeps the loaded statistics.

    Raises
    ------
    ValueError
        When the weights do not fit the network (other widths or layers).
    """
    net, *heads = modules
    expected = _named_weights(modules)
    if set(expected) != set(weights) or any(
        tuple(expected[name].shape) != np.shape(weights[name]) for name in expected
    ):
        raise ValueError(
            "The network weights do not fit this network: they come from a fit with other "
            "column widths, hidden_layer_sizes, dropout (0 or not), linear_path or target. "
            "Fit with the same parameters and columns as the fit they come from."
        )
    with torch.no_grad():
        for name, value in expected.items():
            value.copy_(torch.as_tensor(np.asarray(weights[name])))
    if freeze:
        net.freeze_network()
        for head in heads:
            head.requires_grad_(False)
