"""The Sphinx layer: registration only. Measuring, storing and drawing do not import Sphinx.

- ``state``: one ``BuildState`` per build (settings, suite, store) and messages;
- ``fetch``: how every directive and role gets results and reports problems;
- ``collector``: which posts to read again (their numbers' keys changed);
- ``frozen``: a post that keeps its numbers (``python -m benchpost freeze``);
- ``directives``, ``roles``: what a post uses; ``options``: their checks;
- ``claims``: ``:claim:``, a sentence checked against the intervals;
- ``elements``: the HTML elements docutils lacks (``<details>``, ``<picture>``);
- ``blog``: checks a post must pass, and the export for the PyPy blog.
"""

from __future__ import annotations

from pathlib import Path

from sphinx.application import Sphinx
from sphinx.util import logging

from benchpost.config import Settings
from benchpost.files import write_if_changed
from benchpost.sphinx import blog, claims, directives, elements, frozen, roles
from benchpost.sphinx.collector import ResultsCollector
from benchpost.sphinx.state import forget_build, known_build

logger = logging.getLogger("benchpost")

STYLE = blog.STYLE


def setup(app: Sphinx) -> dict[str, object]:
    Settings.register(app)
    elements.register(app)
    directives.register(app)
    roles.register(app)
    claims.register(app)
    blog.register(app)
    app.add_env_collector(ResultsCollector)
    app.add_css_file(STYLE.name)
    app.connect("config-inited", frozen.read_only_one_post)
    app.connect("builder-inited", _start_build)
    app.connect("source-read", frozen.on_source_read)
    app.connect("build-finished", frozen.finish_freezing)
    app.connect("build-finished", _copy_style)
    app.connect("build-finished", _summary)
    return {
        "parallel_read_safe": True,
        "parallel_write_safe": True,
        "env_version": 2,
    }


def _start_build(app: Sphinx) -> None:
    forget_build(str(app.doctreedir))  # settings may have changed since the last build
    frozen.start_freezing(app)


def _copy_style(app: Sphinx, exception: Exception | None) -> None:
    # Copied, not added to html_static_path: changing a config value at
    # builder-inited made Sphinx say "configuration has changed" every build.
    # Not with Sphinx's copy_asset_file, which refuses (a warning) to replace
    # the file of an older benchpost.
    if exception is None and app.builder.format == "html":
        write_if_changed(Path(app.outdir, "_static", STYLE.name), STYLE.read_bytes())


def _summary(app: Sphinx, exception: Exception | None) -> None:
    """One line at the end: what this build measured, reused and lost."""
    state = known_build(str(app.doctreedir))
    counts = state.store.counts if state and state.store else None
    if not counts:
        # With -j, posts are read in worker processes, which log their own lines.
        if app.parallel <= 1 and exception is None:
            logger.info("benchpost: no post with results was read again; nothing measured")
        return
    logger.info(
        "benchpost: %s (profile %s, cache %s)",
        state.store.summary(),
        state.store.profile.name,
        state.settings.cache_dir,
    )
