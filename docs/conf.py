"""Sphinx configuration of the skembed documentation.

Build (from the repository root)::

    pip install -c .ci/constraints.txt -e ".[docs]"
    python -m sphinx -W --keep-going -b html docs docs/_build/html

``-D plot_gallery=0`` skips running the example scripts (CI does that, because
``tests/test_examples.py`` already runs them). Nothing is fetched from the
network: no intersphinx, no remote images.
"""

import re
import sys
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # before anything imports pyplot: no display needed

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # document the checkout, also without `pip install -e`

import skembed  # noqa: E402

# -- Project -----------------------------------------------------------------

project = "skembed"
author = "skembed developers"
copyright = "skembed developers"
version = skembed.__version__
release = skembed.__version__

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
    "myst_parser",
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
templates_path = ["_templates"]
exclude_patterns = [
    "_build",
    "Thumbs.db",
    ".DS_Store",
    "**.ipynb_checkpoints",
]
language = "en"
pygments_style = "sphinx"

# Offline build: no cross-links to other projects' inventories.
intersphinx_mapping = {}

# -- MyST (Markdown pages) ---------------------------------------------------

myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3  # "#the-two-commands"-style links to headings

# -- autodoc / autosummary / numpydoc ----------------------------------------

autosummary_generate = True  # one page per name listed in api.rst, in docs/generated/
autosummary_imported_members = False
autodoc_default_options = {"members": True}
autodoc_typehints = "none"  # the numpydoc "Parameters" sections carry the types

numpydoc_show_class_members = False  # the class template lists the methods itself
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- sphinx-gallery ----------------------------------------------------------

sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": r"/plot_",  # execute every plot_*.py
    "ignore_pattern": r"__init__\.py",
    "within_subsection_order": "FileNameSortKey",  # examples are numbered plot_01_...
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "abort_on_example_error": True,  # a failing example fails the build
    "download_all_examples": False,
    "remove_config_comments": True,
    "show_memory": False,
}

# -- HTML --------------------------------------------------------------------

html_theme = "furo"
html_title = f"skembed {release}"
html_static_path = []
html_show_sourcelink = False


# -- Docstrings inherited from scikit-learn ------------------------------------
# The encoder's inherited methods (get_params, set_output, set_fit_request, ...) carry
# scikit-learn's docstrings, whose :term: and :ref: roles point into scikit-learn's own
# glossary and user guide. Offline there is nothing to link to, so those roles become plain
# text; roles in skembed's own docstrings are left alone (a broken one there still fails -W).

_SKLEARN_ROLE = re.compile(r":(?:term|ref):`([^`<]*?)\s*(?:<([^`>]*)>)?`")


def _unlink_sklearn_roles(app, what, name, obj, options, lines):
    module = getattr(obj, "__module__", None) or ""
    if module.split(".")[0] != "sklearn":
        return
    lines[:] = [_SKLEARN_ROLE.sub(lambda m: f"*{m.group(1) or m.group(2)}*", s) for s in lines]


def setup(app):
    app.connect("autodoc-process-docstring", _unlink_sklearn_roles)
