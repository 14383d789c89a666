"""Sphinx configuration of the PyPy blog preview (built with benchpost)."""

project = "PyPy blog (benchpost preview)"
author = "The PyPy team"
copyright = "2017-2026, The PyPy team"

extensions = ["benchpost"]

# The repository root is the source folder: keep everything that is not a
# page out of the build (and so out of sphinx-autobuild's rebuilds).
root_doc = "index"
exclude_patterns = [
    "_build",
    ".tox",
    ".venv",
    ".git",
    ".github",
    ".ci",
    "README.md",
    "benchmarks",
    "cext",
    "src",
    "tests",
    "tools",
    "build",
    "dist",
]

html_theme = "alabaster"
html_title = "PyPy blog preview"
html_theme_options = {"description": "Posts whose numbers are measured at build time"}

# benchpost: see README.md. The profile can also be chosen per build with
# BENCHPOST_PROFILE=rigorous or -D benchpost_profile=rigorous.
benchpost_suite = "benchmarks/suite.yaml"
benchpost_profile = "quick"
