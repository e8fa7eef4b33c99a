"""Per-row losses: the supervised heads, the masked-column loss and the held-out sum."""

import contextlib

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from skembed._losses import (  # noqa: E402
    MaskedColumnLoss,
    SelfSupervision,
    SupervisedLoss,
    held_out_loss,
    per_sample_loss,
)
from skembed._module import EntityEmbeddingNet, MaskedColumnHeads  # noqa: E402

CPU = torch.device("cpu")


def test_per_sample_loss_gives_one_loss_per_row():
    """Each task's loss is one value per row, averaged over the outputs."""
    torch.manual_seed(0)
    output = torch.randn(5, 3)
    classes = torch.tensor([0, 2, 1, 1, 0])
    expected = F.cross_entropy(output, classes, reduction="none")
    torch.testing.assert_close(per_sample_loss("multiclass", output, classes), expected)
    target = torch.rand(5, 3)
    mse = ((output - target) ** 2).mean(dim=1)
    torch.testing.assert_close(per_sample_loss("continuous", output, target), mse)
    assert per_sample_loss("binary", output, (target > 0.5).float()).shape == (5,)


def _self_supervised(sizes=(6, 3000), negatives=4):
    """A network of two single columns (a small one and a sparse, sampled one) and its loss."""
    torch.manual_seed(0)
    net = EntityEmbeddingNet(list(sizes), [3, 2], 1, (8,), 4, sparse=[False, True])
    heads = MaskedColumnHeads(4, [3, 2])
    spec = SelfSupervision(
        mask_rows=[sizes[0] - 2, sizes[1] - 2], missing_rows=[sizes[0] - 1, sizes[1] - 1],
        sampling_weights=[np.ones(sizes[0]), np.arange(sizes[1], dtype=float)],
        negatives=negatives,
    )  # fmt: skip
    loss = MaskedColumnLoss(net, heads, spec, [net.slot(0), net.slot(1)], CPU)
    return net, heads, loss


def test_masked_column_loss_is_per_row_and_zero_for_missing_truth():
    """One loss per row; rows whose masked value is the missing row cost nothing."""
    net, _, loss = _self_supervised()
    rows = torch.tensor([[5, 2999]] * 6 + [[1, 7], [2, 9]])  # 5 and 2999: the missing rows
    values = loss(rows, torch.zeros(8, 1), None, [], torch.Generator().manual_seed(0))
    assert values.shape == (8,) and values.dtype == torch.float32
    assert not values[:6].any() and (values[6:] > 0).all()


def test_masked_column_loss_draws_from_the_generator_given():
    """The same generator seed gives the same masked columns and negatives, so the same loss."""
    net, _, loss = _self_supervised()
    net.eval()
    rows = torch.stack([torch.randint(0, 4, (64,)), torch.randint(0, 2998, (64,))], 1)
    first = loss(rows, torch.zeros(64, 1), None, [], torch.Generator().manual_seed(3))
    again = loss(rows, torch.zeros(64, 1), None, [], torch.Generator().manual_seed(3))
    torch.testing.assert_close(first, again, rtol=0, atol=0)


def test_sparse_table_gets_a_sparse_gradient_from_negative_sampling():
    """The sampled loss of a sparse table leaves it a sparse gradient (no full softmax)."""
    net, heads, loss = _self_supervised()
    assert loss.full_softmax == [True, False]
    rows = torch.stack([torch.randint(0, 4, (32,)), torch.randint(0, 2998, (32,))], 1)
    loss(rows, torch.zeros(32, 1), None, []).sum().backward()
    assert net.slot(1).weight.grad.is_sparse
    assert heads.projections[1].weight.grad is not None


def test_held_out_loss_sums_weighted_losses_in_eval_mode_then_trains_again():
    """held_out_loss sums w * loss without gradients, in eval mode, and restores train mode."""
    torch.manual_seed(0)
    net = EntityEmbeddingNet([5], [2], 1, (4,), 1, dropout=0.5).train()
    loss_fn = SupervisedLoss(net, "binary")
    rows, cont = torch.randint(0, 5, (10, 1)), torch.randn(10, 1)
    target, weight = torch.ones(10, 1), torch.linspace(0, 1, 10)
    total, weights = held_out_loss(
        loss_fn, [net], torch.Generator(), contextlib.nullcontext, [rows, cont, target, weight]
    )
    assert net.training
    net.eval()
    with torch.no_grad():
        expected = (loss_fn(rows, cont, target, []) * weight).sum()
    torch.testing.assert_close(total, expected)
    torch.testing.assert_close(weights, weight.sum())
