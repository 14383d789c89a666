"""Sphinx configuration of benchpost's own documentation (not the blog: ../conf.py)."""

project = "benchpost"
author = "The PyPy team"
copyright = "2026, The PyPy team"

# Guides and explanations are Markdown (MyST); the reference is reStructuredText,
# in Sphinx's own markup for directives (rst:directive), settings (confval) and
# commands (program, option): tests/test_docs.py reads the inventory those make
# and compares it with the code, both ways.
extensions = ["myst_parser"]
source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
myst_heading_anchors = 3
root_doc = "index"
exclude_patterns = ["_build"]

html_theme = "alabaster"
html_title = "benchpost"
html_theme_options = {"description": "PyPy blog posts whose numbers are real"}

# Only local targets are checked (tox -e docs -- -b linkcheck): the build has
# no network, and the papers and projects linked are not ours to watch.
linkcheck_ignore = [r"https?://"]


def setup(app):
    """Object types of the reference, so that every key of the YAML files is in the
    inventory (objects.inv) that tests/test_docs.py compares with the code."""
    app.add_object_type(
        "suitekey", "suitekey", objname="suite.yaml key", indextemplate="pair: %s; suite.yaml key"
    )
    app.add_object_type(
        "gridkey",
        "gridkey",
        objname="machines.yaml key",
        indextemplate="pair: %s; machines.yaml key",
    )
