"""Sphinx configuration of s2s_ad's documentation (`make docs`, warnings are errors).

Pages are MyST Markdown; those with `{code-cell}` blocks are notebooks that myst-nb runs in
an IPython kernel at every build, so each output shown is what this version of s2s_ad prints.
"""

import logging

import s2s_ad

# nbclient logs each notebook it starts at INFO through traitlets: keep the build quiet.
logging.getLogger("traitlets").setLevel(logging.WARNING)

project = "s2s_ad"
author = "the s2s_ad authors"
release = version = s2s_ad.__version__

extensions = [
    "myst_nb",  # MyST Markdown, and pages whose code cells run at build time
    "sphinx.ext.autodoc",  # the API reference, from the docstrings
    "sphinx.ext.mathjax",
    "sphinx-mathjax-offline",  # MathJax copied into the site: the formulas render offline
]

exclude_patterns = ["_build", "**.ipynb_checkpoints"]
myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence"]
myst_heading_anchors = 3

# Every build runs every code cell again; a cell that raises fails the build.
nb_execution_mode = "force"
nb_execution_raise_on_error = True
nb_execution_show_tb = True
nb_execution_timeout = 120
nb_merge_streams = True
nb_render_markdown_format = "myst"  # Markdown outputs (the rule tables) may hold tables

# Docstrings write code in single backquotes, as Markdown does.
default_role = "code"
autodoc_member_order = "bysource"
autodoc_typehints = "signature"
autodoc_preserve_defaults = True

html_theme = "furo"
html_title = f"s2s_ad {release}"
html_static_path: list[str] = []
