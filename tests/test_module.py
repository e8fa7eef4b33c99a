"""The surrogate network's grouped tables compute the per-column function."""

import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from skembed._module import EntityEmbeddingNet  # noqa: E402

SIZES = [30, 5, 12, 8, 100, 7]
DIMS = [4, 2, 4, 3, 2, 4]


def _per_column_forward(net, codes, cont, bags, modes):
    """The network's output computed with one lookup per column, in column order."""
    parts, single, bag = [], 0, 0
    for k, mode in enumerate(modes):
        table = net.slot(k).view()
        if mode is None:
            parts.append(F.embedding(codes[:, single], table))
            single += 1
        else:
            size = SIZES[k]
            parts.append(F.embedding_bag(bags[bag], table, mode=mode, padding_idx=size))
            bag += 1
    return net.mlp(torch.cat(parts + [cont], dim=1))


@pytest.mark.parametrize(
    "modes", [[None] * 6, [None, None, "mean", None, "sum", None]], ids=["single", "bags"]
)
def test_grouped_tables_compute_the_per_column_function(modes):
    """Columns of one width and sparsity share a table; the output is the per-column one."""
    torch.manual_seed(0)
    sparse = [False, False, False, False, True, False]
    net = EntityEmbeddingNet(SIZES, DIMS, 2, (8,), 1, bag_modes=modes, sparse=sparse).eval()
    single = [k for k in range(6) if modes[k] is None]
    shared = {k: net.slot(k).weight for k in single}
    assert shared[0] is shared[5]  # width 4, dense
    assert shared.get(2, shared[0]) is shared[0]  # also column 2 when it is single
    assert net.slot(1).weight is not net.slot(4).weight  # width 2: dense vs sparse (or bag)
    assert net.slot(4).sparse and not net.slot(1).sparse
    n = 64
    codes = torch.stack([torch.randint(0, SIZES[k], (n,)) for k in single], dim=1)
    bags = [torch.randint(0, SIZES[k] + 1, (n, 3)) for k in range(6) if modes[k] is not None]
    cont = torch.randn(n, 2)
    torch.testing.assert_close(
        net(codes, cont, bags), _per_column_forward(net, codes, cont, bags, modes)
    )
    for k in range(6):  # a column's slot covers its rows only; bags keep a zero padding row
        view = net.slot(k).view()
        assert view.shape == (SIZES[k] + (modes[k] is not None), DIMS[k])
        if modes[k] is not None:
            assert not view[SIZES[k]].any()


def test_gradients_reach_only_the_rows_of_the_batch():
    """A step's gradient on a shared table touches exactly the looked-up rows of each column."""
    torch.manual_seed(0)
    net = EntityEmbeddingNet([10, 10], [3, 3], 0, (), 1)
    codes = torch.tensor([[1, 2], [1, 7]])
    net(codes, torch.empty(2, 0)).sum().backward()
    grad = net.slot(0).weight.grad
    touched = set(torch.nonzero(grad.abs().sum(1)).flatten().tolist())
    assert touched == {1, 10 + 2, 10 + 7}
