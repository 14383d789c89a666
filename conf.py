"""Sphinx configuration of the PyPy blog preview (built with benchpost)."""

import os

project = "PyPy blog (benchpost preview)"
author = "The PyPy team"
copyright = "2017-2026, The PyPy team"

# ablog turns the posts (every document under posts/, with the :date:,
# :author: and :tags: fields at their top) into a blog: the post list on the
# front page, archives, tags, and an Atom feed.
extensions = ["benchpost", "ablog"]

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
    "docs",
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
# What tables may show: times (pyperf) and instruction counts (callgrind);
# the first is the default. BENCHPOST_METRICS=instructions shows counts only.
benchpost_metrics = ["time", "instructions"]
# The recorded set that live posts show where this machine cannot measure
# every interpreter (BENCHPOST_RECORDED_SET picks another, e.g. a CI job's):
# a post's numbers change only when its author points it elsewhere.
benchpost_recorded_set = "epyc-vm-2026-11-25"
# Words a post may claim (:claim:), each checked against the intervals.
benchpost_grades = {
    "slow": "1.5 to 5 times slower",
    "horribly slow": "at least 8 times slower",
}

# ablog: the blog of the preview site. The feed needs absolute links: CI sets
# BLOG_BASEURL to the GitHub Pages address.
blog_title = "PyPy blog preview"
blog_baseurl = os.environ.get("BLOG_BASEURL", "http://127.0.0.1:8000/")
blog_post_pattern = "posts/*"
post_date_format = "%Y-%m-%d"
blog_feed_fulltext = True
blog_feed_archives = False
