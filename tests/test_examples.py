"""The gallery's example scripts and the docs' code blocks run as written."""

import re
import runpy
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("plot_*.py"))
DOC_PAGES = [ROOT / "docs" / "index.md", ROOT / "docs" / "getting_started.md"]


@pytest.fixture
def agg_backend(tmp_path, monkeypatch):
    """Run in an empty folder with matplotlib's file-only backend, closing figures after."""
    plt = pytest.importorskip("matplotlib.pyplot")
    monkeypatch.chdir(tmp_path)
    plt.switch_backend("Agg")
    plt.close("all")
    yield plt
    plt.close("all")


def test_gallery_has_examples():
    """The examples folder has its gallery header and numbered scripts."""
    assert (ROOT / "examples" / "README.txt").is_file()
    assert len(EXAMPLES) >= 5
    assert [p.name[:8] for p in EXAMPLES] == [
        f"plot_{k:02d}_" for k in range(1, 1 + len(EXAMPLES))
    ]


@pytest.mark.parametrize("script", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_example_runs(script, agg_backend, capsys):
    """The example script runs to the end, prints something and draws at least one figure."""
    runpy.run_path(str(script), run_name="__main__")
    assert capsys.readouterr().out.strip()
    assert agg_backend.get_fignums(), f"{script.name} drew no figure"


@pytest.mark.parametrize("page", DOC_PAGES, ids=[p.name for p in DOC_PAGES])
def test_doc_page_code_runs(page, agg_backend, capsys):
    """Every python block of the page executes, in order, in one namespace."""
    blocks = re.findall(r"```python\n(.*?)```", page.read_text(), flags=re.S)
    assert blocks, f"{page.name} has no python block"
    namespace = {}
    for block in blocks:
        exec(compile(block, str(page), "exec"), namespace)
    assert "test accuracy: 0." in capsys.readouterr().out
