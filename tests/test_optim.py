"""The optimiser's parameter groups and frozen rows."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skembed._bags import BagRows  # noqa: E402
from skembed._module import EntityEmbeddingNet, MaskedColumnHeads  # noqa: E402
from skembed._optim import FrozenRows, TableAwareAdam  # noqa: E402


def _net():
    """Two dense shared tables (widths 3 and 2), one sparse table and a bag table."""
    torch.manual_seed(0)
    return EntityEmbeddingNet(
        [10, 6, 500, 5], [3, 2, 3, 3], 2, (8,), 1,
        bag_modes=[None, None, None, "mean"], sparse=[False, False, True, False],
    )  # fmt: skip


def test_groups_decay_the_weights_only_and_sparse_tables_get_sparse_adam():
    """Adam decays the network's weights (and heads), not tables; SparseAdam has sparse ones."""
    net = _net()
    heads = MaskedColumnHeads(1, [3, 2])
    optimizer = TableAwareAdam(net, learning_rate=0.01, weight_decay=0.3, extra=(heads,))
    adam, sparse_adam = optimizer.optimizers
    assert isinstance(adam, torch.optim.Adam) and isinstance(sparse_adam, torch.optim.SparseAdam)
    decayed, tables = adam.param_groups
    assert decayed["weight_decay"] == 0.3 and tables["weight_decay"] == 0.0
    table_weights = {id(module.weight) for module in net.tables}
    assert {id(p) for p in tables["params"]} == {
        id(module.weight) for module in net.tables if not module.sparse
    }
    assert {id(p) for p in sparse_adam.param_groups[0]["params"]} == {id(net.slot(2).weight)}
    expected = [p for p in net.parameters() if id(p) not in table_weights]
    expected += list(heads.parameters())
    assert [id(p) for p in decayed["params"]] == [id(p) for p in expected]
    assert all(group["lr"] == 0.01 for o in optimizer.optimizers for group in o.param_groups)


def test_step_trains_dense_and_sparse_tables():
    """zero_grad, backward and step change the looked-up rows of dense and sparse tables."""
    net = _net()
    optimizer = TableAwareAdam(net, learning_rate=0.1, weight_decay=0.0)
    before = [net.slot(k).view().detach().clone() for k in range(4)]
    codes = torch.tensor([[1, 2, 3], [4, 5, 499]])
    bags = [BagRows(torch.tensor([0, 5, 1, 2]), torch.tensor([0, 2, 4]))]
    optimizer.zero_grad()
    net(codes, torch.zeros(2, 2), bags).sum().backward()
    optimizer.step()
    assert not torch.equal(net.slot(0).view()[1], before[0][1])
    assert not torch.equal(net.slot(2).view()[499], before[2][499])
    assert torch.equal(net.slot(2).view()[0], before[2][0])  # sparse: untouched rows stay


def test_without_sparse_tables_there_is_one_optimiser():
    """With no sparse table there is a single (fused where available) Adam."""
    net = EntityEmbeddingNet([10], [3], 0, (), 1)
    (adam,) = TableAwareAdam(net, learning_rate=0.01, weight_decay=0.0).optimizers
    assert isinstance(adam, torch.optim.Adam)


def test_frozen_rows_keep_their_values_through_steps():
    """restore() after a step writes back the frozen rows; the other rows train."""
    net = _net()
    frozen = FrozenRows(net, [np.array([1, 4]), None, np.array([499]), np.array([], int)])
    values = net.slot(0).view()[[1, 4]].detach().clone(), net.slot(2).view()[499].detach().clone()
    other = net.slot(0).view()[2].detach().clone()
    optimizer = TableAwareAdam(net, learning_rate=0.1, weight_decay=0.0)
    codes = torch.tensor([[1, 2, 499], [4, 2, 499], [2, 5, 7]])
    for _ in range(2):
        optimizer.zero_grad()
        net(
            codes,
            torch.zeros(3, 2),
            [BagRows(torch.tensor([0, 1, 2]), torch.tensor([0, 1, 2, 3]))],
        ).sum().backward()
        optimizer.step()
        frozen.restore()
    assert torch.equal(net.slot(0).view()[[1, 4]], values[0])
    assert torch.equal(net.slot(2).view()[499], values[1])
    assert not torch.equal(net.slot(0).view()[2], other)
