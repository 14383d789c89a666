"""benchpost: blog posts whose numbers are measured when the post is built.

As a Sphinx extension (``extensions = ["benchpost"]``) it adds the
``benchmark-table`` and ``benchmark-chart`` directives and the ``bench``
roles; ``python -m benchpost`` measures and shows results without Sphinx.
"""

from __future__ import annotations

__version__ = "0.1.0"


def setup(app):
    """Sphinx entry point; the Sphinx layer is imported only when Sphinx asks."""
    from benchpost.sphinx import setup as sphinx_setup

    return {**sphinx_setup(app), "version": __version__}
