"""The thread policy: one torch thread by default, the caller's setting restored."""

import threading

import numpy as np
import pytest

from skembed import EntityEmbeddingEncoder
from skembed._threads import resolve_n_jobs, torch_threads
from skembed.datasets import load_adult_sample

torch = pytest.importorskip("torch")


@pytest.fixture(scope="module")
def census():
    X, y = load_adult_sample()
    return X.iloc[:1500], y[:1500]


def test_fit_uses_one_thread_and_restores_the_callers(census, monkeypatch):
    """Default fits train with one torch thread and leave the caller's count as it was."""
    seen = []
    import skembed._training as training

    original = training.train

    def spy(*args, **kwargs):
        seen.append(torch.get_num_threads())
        return original(*args, **kwargs)

    monkeypatch.setattr(training, "train", spy)
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        EntityEmbeddingEncoder(max_iter=1, random_state=0).fit(*census)
        assert seen == [1]
        assert torch.get_num_threads() == 2
        EntityEmbeddingEncoder(max_iter=1, random_state=0, n_jobs=2).fit(*census)
        assert seen == [1, 2]
    finally:
        torch.set_num_threads(before)


def test_n_jobs_follows_joblib_convention():
    """None is 1, positive counts are kept, -1 is every core (at least 1)."""
    assert resolve_n_jobs(None) == 1
    assert resolve_n_jobs(4) == 4
    assert resolve_n_jobs(-1) >= 1
    assert resolve_n_jobs(-1) - resolve_n_jobs(-2) in (0, 1)


def test_n_jobs_zero_is_refused(census):
    """n_jobs=0 is not a thread count: a clear parameter error."""
    with pytest.raises(ValueError, match="n_jobs"):
        EntityEmbeddingEncoder(n_jobs=0).fit(*census)


def test_a_fit_in_a_thread_leaves_other_threads_alone():
    """Inside a worker's fit the count is n_jobs; the worker's and the caller's are restored."""
    before = torch.get_num_threads()
    torch.set_num_threads(2)
    try:
        inside, after = [], []

        def worker_fit():
            torch.set_num_threads(2)
            with torch_threads(1):
                inside.append(torch.get_num_threads())
            after.append(torch.get_num_threads())

        worker = threading.Thread(target=worker_fit)
        worker.start()
        worker.join()
        assert inside == [1] and after == [2]
        assert torch.get_num_threads() == 2
    finally:
        torch.set_num_threads(before)


def test_fits_in_threads_equal_the_fit_alone(census):
    """Two same-seed fits in two threads give the tables of the same fit run alone."""
    alone = EntityEmbeddingEncoder(max_iter=2, random_state=0).fit(*census)
    results = [None, None]

    def fit(k):
        results[k] = EntityEmbeddingEncoder(max_iter=2, random_state=0).fit(*census)

    workers = [threading.Thread(target=fit, args=(k,)) for k in range(2)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()
    for fitted in results:
        for a, b in zip(fitted.embeddings_, alone.embeddings_):
            np.testing.assert_array_equal(a, b)


def test_fit_never_draws_from_the_global_generator(census):
    """torch's global random state is bit-identical before and after a fit (nothing drawn)."""
    torch.manual_seed(123)
    before = torch.random.get_rng_state()
    EntityEmbeddingEncoder(max_iter=2, random_state=0).fit(*census)
    EntityEmbeddingEncoder(max_iter=1, random_state=0).fit(census[0])  # self-supervised
    assert torch.equal(torch.random.get_rng_state(), before)
