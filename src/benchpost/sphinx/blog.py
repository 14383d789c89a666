"""Sphinx glue for publishing: blog export and the checks a post must pass.

- A post is a document with a ``:date:`` field. After an HTML build, each
  post that is not a draft (``:draft: yes``) is exported to ``_build/blog/``
  (see ``benchpost.export``).
- Draft markers left in the text ("XXX", "TODO", "FIXME", "bla bla") and
  images without alt text are warnings at their line, so ``-W`` stops a
  post that is not finished from being published.
"""

from __future__ import annotations

import re
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.util import logging

from benchpost.export import ExportError, blog_body, post_meta, write_export

logger = logging.getLogger(__name__)

DRAFT_MARKERS = re.compile(r"\b(XXX|TODO|FIXME)\b|\bbla bla\b", re.IGNORECASE)

# Bodies of the posts written in this build, by output folder and page name.
_PAGES: dict[str, dict[str, str]] = {}


def check_draft_markers(app: Sphinx, docname: str, source: list[str]) -> None:
    """Warn at every line that still has a draft marker."""
    for number, line in enumerate(source[0].splitlines(), 1):
        found = DRAFT_MARKERS.search(line)
        if found:
            logger.warning(
                "benchpost: draft marker %r left in the text: finish or remove it",
                found.group(0),
                location=(docname, number),
                type="benchpost",
                subtype="draft",
            )


def check_alt_text(app: Sphinx, doctree: nodes.document) -> None:
    """Warn at every image without alt text (readers of screen readers and feeds)."""
    for image in doctree.findall(nodes.image):
        if not image.get("alt", "").strip():
            logger.warning(
                "benchpost: image %s has no alt text: add ':alt: <what it shows>'",
                image.get("uri"),
                location=image,
                type="benchpost",
                subtype="alt",
            )


def capture_post(
    app: Sphinx, pagename: str, templatename: str, context: dict, doctree: nodes.document | None
) -> None:
    """Keep the HTML body of every post written in this build."""
    if doctree is not None and "date" in app.env.metadata.get(pagename, {}):
        _PAGES.setdefault(str(app.outdir), {})[pagename] = context.get("body", "")


def export_posts(app: Sphinx, exception: Exception | None) -> None:
    """Write ``_build/blog/`` for the posts written in this build."""
    pages = _PAGES.pop(str(app.outdir), {})
    if exception is not None or app.builder.name != "html":
        return
    blog_dir = Path(app.outdir).parent / "blog"
    exported: dict[str, str] = {}  # slug -> the post that took it
    for pagename, body in sorted(pages.items()):
        try:
            meta = post_meta(app.env.titles[pagename].astext(), app.env.metadata[pagename])
            if meta.draft:
                logger.info("benchpost: %s is a draft (':draft: yes'): not exported", pagename)
                continue
            if meta.slug in exported:
                raise ExportError(
                    f"{exported[meta.slug]} and {pagename} would both be exported as "
                    f"{meta.slug!r}, one over the other; give one of them its own ':slug:'"
                )
            exported[meta.slug] = pagename
            html, assets = blog_body(body, meta, Path(app.outdir))
            post = write_export(blog_dir, meta, html, assets)
        except (ExportError, OSError) as exc:
            logger.warning(
                "benchpost: cannot export %s: %s",
                pagename,
                exc,
                location=pagename,
                type="benchpost",
                subtype="export",
            )
            continue
        logger.info(
            "benchpost: blog export: %s (+ %d files, and %s.fragment.html)",
            post.relative_to(blog_dir.parent),
            len(assets),
            meta.slug,
        )


def register(app: Sphinx) -> None:
    app.connect("source-read", check_draft_markers)
    app.connect("doctree-read", check_alt_text)
    app.connect("html-page-context", capture_post)
    app.connect("build-finished", export_posts)
