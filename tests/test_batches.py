"""Data on the device for training: the held-out split, chunks, batches, unknown-row dropout."""

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from skembed._batches import ChunkStream, batch_bounds, in_memory_data, streamed_data  # noqa: E402
from skembed._unknown_rows import UnknownRowDropout, default_replacements  # noqa: E402

CPU = torch.device("cpu")


@pytest.mark.parametrize("n, size", [(10, 3), (7, 3), (9, 3), (1, 4), (0, 4), (128, 128)])
def test_batch_bounds_cover_the_rows_with_no_batch_of_one(n, size):
    """Batches are contiguous, cover every row once and (beyond one batch) never hold one row."""
    bounds = batch_bounds(n, size)
    starts, stops = [start for start, _ in bounds], [stop for _, stop in bounds]
    assert starts == [0] + stops[:-1] if n else bounds == []
    assert stops[-1:] == ([n] if n else [])
    assert len(bounds) < 2 or all(stop - start > 1 for start, stop in bounds)


def _arrays(n=50):
    rng = np.random.RandomState(0)
    rows = np.arange(n, dtype=np.int64).reshape(-1, 1)
    return rows, rng.randn(n, 2).astype(np.float32), np.zeros((n, 1), np.float32), np.ones(n)


def test_in_memory_split_holds_out_a_fraction_of_the_rows():
    """The held-out and training rows split the rows; both sorted; one chunk per epoch."""
    data = in_memory_data(_arrays(), validation_fraction=0.2, seed=0, device=CPU)
    (train,) = data.train_chunks(1)
    (held_out,) = data.validation_chunks()
    train_rows, held_rows = train[0][:, 0].tolist(), held_out[0][:, 0].tolist()
    assert len(held_rows) == 10 and sorted(train_rows + held_rows) == list(range(50))
    assert train_rows == sorted(train_rows) and data.n_train_rows == 40
    assert data.n_continuous == 2 and data.weight_scale == 1.0


def test_repeated_rows_are_held_out_with_all_their_repeats():
    """With repeats (cv's fold copies), a held-out row takes every repeat along."""
    arrays = _arrays()
    repeated = tuple(np.concatenate([a, a]) for a in arrays)  # rows 0-49, then again
    data = in_memory_data(repeated, validation_fraction=0.2, seed=0, device=CPU, repeats=2)
    (train,) = data.train_chunks(1)
    (held_out,) = data.validation_chunks()
    train_rows, held_rows = train[0][:, 0].tolist(), held_out[0][:, 0].tolist()
    assert len(held_rows) == 20 and data.n_train_rows == 80
    assert sorted(set(held_rows)) == sorted(set(held_rows) - set(train_rows))  # no overlap
    single = in_memory_data(arrays, validation_fraction=0.2, seed=0, device=CPU)
    (once,) = single.validation_chunks()
    assert sorted(set(held_rows)) == once[0][:, 0].tolist()  # the same rows as without


def test_in_memory_without_held_out_rows():
    """A fraction of 0 (or one that rounds to no row) holds nothing out."""
    for fraction in (0.0, 0.001):
        data = in_memory_data(_arrays(), validation_fraction=fraction, seed=0, device=CPU)
        assert data.validation_chunks is None and data.n_train_rows == 50


def test_zero_weights_give_a_weight_scale_of_one():
    """Training weights of mean 0 normalise the loss by 1 rather than by 0."""
    rows, cont, target, _ = _arrays()
    data = in_memory_data((rows, cont, target, np.zeros(50)), validation_fraction=0.0, seed=0,
                          device=CPU)  # fmt: skip
    assert data.weight_scale == 1.0


def test_streamed_chunks_arrive_as_tensors_and_validation_follows_early_stopping():
    """Each streamed chunk becomes tensors; held-out chunks only with early stopping."""
    chunk = _arrays(6)
    stream = ChunkStream(lambda epoch: [chunk] * epoch, lambda: [chunk], 2, weight_scale=0.0)
    data = streamed_data(stream, early_stopping=True, device=CPU)
    chunks = list(data.train_chunks(2))
    assert len(chunks) == 2 and all(isinstance(t, torch.Tensor) for t in chunks[0])
    assert len(list(data.validation_chunks())) == 1
    assert data.weight_scale == 1.0 and data.n_train_rows is None
    assert streamed_data(stream, early_stopping=False, device=CPU).validation_chunks is None


def test_default_replacements_point_at_the_unknown_row_and_keep_padding():
    """Every row's replacement is the unknown row (size - 2); a bag's padding row stays."""
    single, bag = default_replacements([5, 4], [None, "sum"])
    assert single.tolist() == [3] * 5
    assert bag.tolist() == [2, 2, 2, 2, 4]


def test_unknown_row_dropout_replaces_values_by_their_replacement():
    """At rate ~1 every value (each bag token) becomes its replacement; ~0 keeps all."""
    from skembed._bags import BagRows

    replacements = default_replacements([5, 6, 4], [None, None, "mean"])
    rows = torch.tensor([[0, 1], [4, 5], [2, 3]])
    bags = [BagRows(torch.tensor([0, 1, 2, 3]), torch.tensor([0, 1, 3, 4]))]
    dropout = UnknownRowDropout(1.0, replacements, [None, None, "mean"], CPU)
    new_rows, new_bags = dropout(rows, bags)
    assert new_rows.tolist() == [[3, 4]] * 3
    assert new_bags[0].values.tolist() == [2, 2, 2, 2]
    assert torch.equal(new_bags[0].offsets, bags[0].offsets)
    keep = UnknownRowDropout(0.0, replacements, [None, None, "mean"], CPU)
    same_rows, same_bags = keep(rows, bags)
    assert torch.equal(same_rows, rows) and torch.equal(same_bags[0].values, bags[0].values)
