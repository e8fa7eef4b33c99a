"""The surrogate network's flat and grouped tables compute the per-column function."""

import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from skembed._module import EntityEmbeddingNet  # noqa: E402
from skembed._net_tables import TableSlot  # noqa: E402

SIZES = [30, 5, 12, 8, 100, 7]
DIMS = [4, 2, 4, 3, 2, 4]


def _slot_over(slot, weight):
    """``slot`` over another tensor of its table's shape (a gradient)."""
    return TableSlot(weight, slot.offset, slot.rows, slot.sparse, slot.dim)


def _ragged(n: int, size: int):
    """``n`` rows of 1 to 3 random table rows each, as BagRows tensors."""
    from skembed._bags import BagRows

    lengths = torch.randint(1, 4, (n,))
    offsets = torch.cat([torch.zeros(1, dtype=torch.int64), torch.cumsum(lengths, 0)])
    return BagRows(torch.randint(0, size, (int(offsets[-1]),)), offsets)


def _per_column_forward(net, codes, cont, bags, modes):
    """The network's output computed with one lookup per column, in column order."""
    parts, single, bag = [], 0, 0
    for k, mode in enumerate(modes):
        table = net.slot(k).view()
        if mode is None:
            parts.append(F.embedding(codes[:, single], table))
            single += 1
        else:
            values, offsets = bags[bag].values, bags[bag].offsets[:-1]
            parts.append(F.embedding_bag(values, table, offsets, mode=mode))
            bag += 1
    return net.mlp(torch.cat(parts + [cont], dim=1))


@pytest.mark.parametrize(
    "modes", [[None] * 6, [None, None, "mean", None, "sum", None]], ids=["single", "bags"]
)
def test_grouped_tables_compute_the_per_column_function(modes):
    """Dense single columns share the flat table, sparse ones one per width; per-column output."""
    torch.manual_seed(0)
    sparse = [False, False, False, False, True, False]
    net = EntityEmbeddingNet(SIZES, DIMS, 2, (8,), 1, bag_modes=modes, sparse=sparse).eval()
    single = [k for k in range(6) if modes[k] is None]
    shared = {k: net.slot(k).weight for k in single}
    assert shared[0] is shared[5] is shared[1]  # dense, whatever the width: the flat table
    assert shared[0].dim() == 1
    assert shared.get(2, shared[0]) is shared[0]  # also column 2 when it is single
    assert net.slot(1).weight is not net.slot(4).weight  # width 2: dense vs sparse (or bag)
    assert net.slot(4).sparse and not net.slot(1).sparse
    n = 64
    codes = torch.stack([torch.randint(0, SIZES[k], (n,)) for k in single], dim=1)
    bags = [_ragged(n, SIZES[k]) for k in range(6) if modes[k] is not None]
    cont = torch.randn(n, 2)
    torch.testing.assert_close(
        net(codes, cont, bags), _per_column_forward(net, codes, cont, bags, modes)
    )
    for k in range(6):  # a column's slot covers its rows only; bags keep a zero padding row
        view = net.slot(k).view()
        assert view.shape == (SIZES[k] + (modes[k] is not None), DIMS[k])
        if modes[k] is not None:
            assert not view[SIZES[k]].any()


@pytest.mark.parametrize("sparse", [False, True], ids=["flat", "grouped"])
def test_gradients_reach_only_the_rows_of_the_batch(sparse):
    """A step's gradient on a shared table touches exactly the looked-up rows of each column."""
    torch.manual_seed(0)
    net = EntityEmbeddingNet(
        [10, 8], [3, 2], 0, (), 1, sparse=[sparse, sparse] if sparse else None
    )
    codes = torch.tensor([[1, 2], [1, 7]])
    net(codes, torch.empty(2, 0)).sum().backward()
    for k, expected in enumerate([{1}, {2, 7}]):
        slot = net.slot(k)
        grad = slot.weight.grad.to_dense() if sparse else slot.weight.grad
        grad = _slot_over(slot, grad).view()
        assert set(torch.nonzero(grad.abs().sum(1)).flatten().tolist()) == expected
    if not sparse:  # the flat table's gradient: those rows' elements, nothing else
        assert int(torch.count_nonzero(net.slot(0).weight.grad)) == 3 + 2 * 2


def test_layout_puts_dense_columns_flat_and_groups_sparse_ones_by_width():
    """Dense single columns go flat in column order; sparse ones share tables by width."""
    from skembed._table_layout import TableLayout

    modes = [None, None, "mean", None, None, None]
    sparse = [False, False, False, False, True, True]
    layout = TableLayout.build(SIZES, DIMS, modes, sparse)
    assert layout.flat == [0, 1, 3]
    assert layout.slots[3] == (0, SIZES[0] * DIMS[0] + SIZES[1] * DIMS[1], SIZES[3])  # elements
    assert layout.flat_size == sum(SIZES[k] * DIMS[k] for k in [0, 1, 3])
    assert layout.flat_codes == [0] * 4 + [1] * 2 + [2] * 3  # column 3 is the 3rd single one
    assert layout.flat_strides == [4] * 4 + [2] * 2 + [3] * 3
    assert layout.flat_bases[4:6] == [SIZES[0] * 4, SIZES[0] * 4 + 1]
    assert layout.groups == [[4], [5]]  # widths 2 and 4
    assert layout.slots[5] == (2, 0, SIZES[5])  # after the flat table and the width-2 table
    assert layout.bag_columns == [2]
    assert layout.slots[2] == (3, 0, SIZES[2] + 1)  # a bag table has a padding row
    assert layout.group_rows(0) == SIZES[4]
    assert layout.code_order == [3, 4]  # columns 4 and 5 are the 4th and 5th single ones
    assert sorted(layout.feature_order) == list(range(sum(DIMS)))


def _older_design_tables(modes):
    """The tables one ``nn.Embedding`` (``nn.EmbeddingBag``) per column drew, from seed 0."""
    torch.manual_seed(0)
    tables = []
    for size, dim, mode in zip(SIZES, DIMS, modes):
        if mode is None:
            tables.append(torch.nn.Embedding(size, dim).weight)
        else:
            tables.append(torch.nn.EmbeddingBag(size + 1, dim, mode=mode, padding_idx=size).weight)
    with torch.no_grad():
        for table, mode in zip(tables, modes):
            torch.nn.init.normal_(table, std=0.05)
            if mode is not None:
                table[-1].zero_()
    mlp = torch.nn.Linear(sum(DIMS) + 2, 8)  # then the MLP, as constructed
    return tables, mlp


@pytest.mark.parametrize("modes", [[None] * 6, [None, "sum", None, "mean", None, None]])
def test_initial_values_are_those_of_one_table_per_column(modes):
    """From the same seed, the shared tables and the MLP start as the per-column design did."""
    tables, mlp = _older_design_tables(modes)
    torch.manual_seed(0)
    net = EntityEmbeddingNet(SIZES, DIMS, 2, (8,), 1, bag_modes=modes, table_init_std=0.05)
    for k, table in enumerate(tables):
        assert torch.equal(net.slot(k).view(), table)
    assert torch.equal(net.mlp[0].weight, mlp.weight)
    assert torch.equal(net.mlp[0].bias, mlp.bias)


def test_reset_parameters_redraws_as_the_constructor():
    """After the discarded draws, reset_parameters() gives the constructor's values again."""
    from skembed._module import _discard_per_column_draws

    modes = [None, None, "mean", None, None, None]
    torch.manual_seed(0)
    net = EntityEmbeddingNet(SIZES, DIMS, 2, (8, 4), 3, dropout=0.1, bag_modes=modes)
    before = {name: value.clone() for name, value in net.state_dict().items()}
    torch.manual_seed(0)
    _discard_per_column_draws(SIZES, DIMS, modes)
    with torch.no_grad():
        for parameter in net.parameters():
            parameter.add_(1.0)
    net.reset_parameters()
    for name, value in net.state_dict().items():
        assert torch.equal(value, before[name]), name


def test_load_initial_tables_keeps_the_padding_row():
    """Initial tables overwrite a column's rows; a bag table keeps its zero padding row."""
    net = EntityEmbeddingNet([4, 3], [2, 2], 0, (), 1, bag_modes=[None, "sum"])
    first, second = torch.ones(4, 2).numpy(), torch.full((3, 2), 2.0).numpy()
    net.load_initial_tables([first, second])
    assert torch.equal(net.slot(0).view(), torch.ones(4, 2))
    assert torch.equal(net.slot(1).view()[:3], torch.full((3, 2), 2.0))
    assert not net.slot(1).view()[3].any()


def test_generator_dropout_keeps_one_minus_p_scaled_and_follows_its_generator():
    """Dropout keeps about 1 - p of the values, scaled by 1/(1 - p), drawn from its generator."""
    from skembed._layers import GeneratorDropout

    dropout = GeneratorDropout(0.25).train()
    x = torch.ones(400, 50)
    masks = []
    for _ in range(2):
        dropout.generator = torch.Generator().manual_seed(3)
        masks.append(dropout(x))
    torch.testing.assert_close(masks[0], masks[1])
    kept = masks[0] != 0
    assert abs(kept.float().mean().item() - 0.75) < 0.01
    torch.testing.assert_close(masks[0][kept], torch.full((int(kept.sum()),), 4 / 3))
    torch.manual_seed(0)
    state = torch.get_rng_state()
    dropout(x)
    assert torch.equal(torch.get_rng_state(), state)  # the global stream is not drawn from
    assert torch.equal(dropout.eval()(x), x)


@pytest.mark.parametrize("dtype", [torch.bfloat16, torch.float16])
@pytest.mark.parametrize("p", [0.1, 0.999])
def test_generator_dropout_keep_rate_holds_in_low_precision(dtype, p):
    """Under mixed precision the keep rate is still 1 - p (masks drawn in float32)."""
    from skembed._layers import GeneratorDropout

    dropout = GeneratorDropout(p).train()
    dropout.generator = torch.Generator().manual_seed(0)
    out = dropout(torch.ones(2000, 500, dtype=dtype))
    assert out.dtype == dtype
    kept = (out != 0).float().mean().item()
    assert abs(kept - (1 - p)) < 4 * ((1 - p) * p / out.numel()) ** 0.5 + 1e-4
