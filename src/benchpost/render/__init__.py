"""Turning ``Results`` into what a reader sees: tables, charts, inline text.

Every function here is pure: results in, docutils nodes, SVG bytes or text
out. None of them needs a Sphinx application, so tests call them directly.
"""
