"""The optimizers and one training step, the same for both variants."""

from __future__ import annotations

import torch
from torch import Tensor, nn
from torch.nn import functional as F

from .shapes import (
    ALPHA,
    LEARNING_RATE,
)


def make_optimizers(net: nn.Module) -> list[torch.optim.Optimizer]:
    """What ``skembed._training._Adam`` builds: fused Adam for dense, SparseAdam for sparse."""
    sparse = [m.weight for m in net.embeddings if getattr(m, "sparse", False)]
    tables = [m.weight for m in net.embeddings if not getattr(m, "sparse", False)]
    table_ids = {id(p) for p in sparse + tables}
    weights = [p for p in net.parameters() if id(p) not in table_ids]
    groups = [
        {"params": weights, "weight_decay": ALPHA},
        {"params": tables, "weight_decay": 0.0},
    ]
    groups = [group for group in groups if group["params"]]
    optimizers: list[torch.optim.Optimizer] = []
    if groups:
        try:
            optimizers.append(torch.optim.Adam(groups, lr=LEARNING_RATE, fused=True))
        except (RuntimeError, TypeError, ValueError):
            optimizers.append(torch.optim.Adam(groups, lr=LEARNING_RATE))
    if sparse:
        optimizers.append(torch.optim.SparseAdam(sparse, lr=LEARNING_RATE))
    return optimizers


def make_loss_fn(net: nn.Module):
    def loss_fn(codes: Tensor, cont: Tensor, target: Tensor, weight: Tensor) -> Tensor:
        output = net(codes, cont)
        per_row = F.binary_cross_entropy_with_logits(output, target, reduction="none")
        return (per_row.mean(dim=1) * weight).sum() / codes.shape[0]

    return loss_fn


class Trainer:
    """One variant: a network, its optimizers and a (possibly compiled) loss function."""

    def __init__(
        self,
        name: str,
        net: nn.Module,
        compile_mode: str | None = None,
        aten_random: bool = False,
    ):
        self.name = name
        self.net = net.train()
        self.optimizers = make_optimizers(net)
        loss_fn = make_loss_fn(net)
        if compile_mode is None:
            self.loss_fn = loss_fn
        elif not aten_random:
            self.loss_fn = torch.compile(loss_fn, mode=compile_mode, dynamic=False)
        else:  # inductor's fallback_random: dropout masks by aten's bernoulli_, not codegen
            options = {"fallback_random": True}
            if compile_mode == "reduce-overhead":
                options["triton.cudagraphs"] = True
            self.loss_fn = torch.compile(loss_fn, options=options, dynamic=False)
        self.steps = 0

    def step(self, batch: tuple[Tensor, ...]) -> Tensor:
        for optimizer in self.optimizers:
            optimizer.zero_grad(set_to_none=True)
        loss = self.loss_fn(*batch)
        loss.backward()
        for optimizer in self.optimizers:
            optimizer.step()
        self.steps += 1
        return loss
