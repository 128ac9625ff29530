"""Sphinx configuration of the skdash documentation.

Build (from the repository root)::

    python -m sphinx -W --keep-going -b html doc doc/_build/html

The API pages (``doc/generated``) and the example gallery (``doc/auto_examples``,
run from ``examples/plot_*.py``) are generated at build time and not tracked by git.
No network access is needed: intersphinx is deliberately not used.
"""

import os
import subprocess
import sys
import warnings

import matplotlib

matplotlib.use("Agg")  # examples draw off-screen

# Document the working tree, installed or not.
sys.path.insert(0, os.path.abspath(".."))

import skdash  # noqa: E402

# -- Project -----------------------------------------------------------------------
project = "skdash"
author = "skdash developers"
copyright = "skdash developers"
release = skdash.__version__
version = ".".join(release.split(".")[:2])

# -- General -----------------------------------------------------------------------
extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.mathjax",
    "sphinx.ext.viewcode",
    "numpydoc",
    "sphinx_gallery.gen_gallery",
]

templates_path = ["_templates"]
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", "auto_examples/*.ipynb", "auto_examples/*.py",
                    "auto_examples/*.zip", "auto_examples/*.json", "auto_examples/*.md5"]
root_doc = "index"
default_role = "literal"  # `x` renders as code instead of warning about a missing role
pygments_style = "sphinx"

# -- autodoc / autosummary / numpydoc -----------------------------------------------
autosummary_generate = True  # writes doc/generated/*.rst (git-ignored)
autodoc_typehints = "none"  # numpydoc sections carry the types
numpydoc_show_class_members = False  # the class template lists the methods itself
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False

# -- sphinx-gallery ----------------------------------------------------------------
sphinx_gallery_conf = {
    "examples_dirs": "../examples",
    "gallery_dirs": "auto_examples",
    "filename_pattern": "/plot_",  # run every plot_*.py; other scripts are only shown
    "ignore_pattern": r"__init__\.py",
    "doc_module": ("skdash",),
    "backreferences_dir": os.path.join("generated", "backreferences"),
    "reference_url": {"skdash": None},
    "image_scrapers": ("matplotlib",),
    "matplotlib_animations": False,
    "remove_config_comments": True,
    "min_reported_time": 1,
    "download_all_examples": False,
    "show_memory": False,
    "abort_on_example_error": False,  # report every failing example, then fail the build
    "only_warn_on_example_error": False,
}

# Examples import torch and scikit-learn; keep their own deprecation chatter out of
# the rendered pages (the build itself still treats Sphinx warnings as errors).
warnings.filterwarnings("ignore", category=DeprecationWarning, module="torch")

# -- Command-line help ----------------------------------------------------------
# The command-line page includes the real ``--help`` texts, regenerated at each
# build so that they cannot drift from the code (written to doc/generated/cli/).
_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
_CLI_HELP = os.path.join(os.path.dirname(os.path.abspath(__file__)), "generated", "cli")


def _write_cli_help():
    os.makedirs(_CLI_HELP, exist_ok=True)
    path = os.pathsep.join(filter(None, [_ROOT, os.environ.get("PYTHONPATH")]))
    env = dict(os.environ, COLUMNS="88", PYTHONPATH=path)
    for name, arguments in (("skdash", []), ("demo", ["demo"]), ("fit", ["fit"]), ("perturb", ["perturb"])):
        result = subprocess.run([sys.executable, "-m", "skdash", *arguments, "--help"], env=env,
                                capture_output=True, text=True, check=True)
        with open(os.path.join(_CLI_HELP, f"{name}.txt"), "w", encoding="utf-8") as handle:
            handle.write(result.stdout)


_write_cli_help()

# -- HTML --------------------------------------------------------------------------
html_theme = "alabaster"
html_theme_options = {
    "description": "Gene regulatory networks from time series with a DASH-pruned Neural ODE",
    "fixed_sidebar": True,
    "page_width": "1100px",
    "sidebar_width": "240px",
    "show_relbars": True,
}
html_sidebars = {"**": ["about.html", "navigation.html", "relations.html", "searchbox.html"]}
html_title = f"skdash {release}"
html_static_path = []
html_show_sourcelink = False
