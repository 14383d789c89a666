"""Sphinx glue for publishing: blog export and the checks a post must pass.

- A post is a document with a ``:date:`` field. After an HTML build without
  warnings, each post that is not a draft (``:draft: yes``) is exported to
  ``_build/blog/`` (see ``benchpost.export``), with its style inline and its
  links to other posts in the blog's layout; a build with warnings exports to
  ``_build/blog-with-warnings/``.
- A ``:date:`` that is not a date (``2026-13-45``, ``tomorrow``) is a warning
  at its line, and the field is dropped (the post is then not exported):
  checked before ablog reads it, which would stop the build with a traceback.
- Draft markers left in the text ("XXX", "TODO", "FIXME", "bla bla") and
  images without alt text are warnings at their line, so ``-W`` stops a
  post that is not finished from being published.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx
from sphinx.transforms import SphinxTransform
from sphinx.util import logging

from benchpost.export import (
    ExportError,
    PostMeta,
    blog_body,
    parse_date,
    post_meta,
    prune_assets,
    style_block,
    write_export,
)
from benchpost.sphinx.collector import test_profiles_of

logger = logging.getLogger(__name__)

_DATE_FIELD = re.compile(r"\s*:date:", re.IGNORECASE)
DRAFT_MARKERS = re.compile(r"\b(XXX|TODO|FIXME)\b|\bbla bla\b", re.IGNORECASE)

#: benchpost's style: linked by the preview, inline in the export
STYLE = Path(__file__).with_name("static") / "benchpost.css"

# Bodies of the posts written in this build, by output folder and page name.
_PAGES: dict[str, dict[str, str]] = {}


class CheckPostDate(SphinxTransform):
    """Warn at a ``:date:`` field that is not a date, and drop the field.

    Runs before ablog's front-matter transform (priority 800), which raises on
    such a date and stops the whole build with a traceback.
    """

    default_priority = 790

    def apply(self, **kwargs: object) -> None:
        for docinfo in self.document.findall(nodes.docinfo):
            for date in list(docinfo.findall(nodes.date)):
                text = date.astext().strip()
                try:
                    parse_date(text)
                except ExportError:
                    logger.warning(
                        "benchpost: ':date: %s' is not a date: write it as YYYY-MM-DD (e.g. "
                        "':date: 2026-11-25'); until then the post has no date and is not "
                        "exported",
                        text,
                        location=(self.env.docname, _date_line(self.document)),
                        type="benchpost",
                        subtype="date",
                    )
                    date.parent.remove(date)


def _date_line(document: nodes.document) -> int | None:
    """The line of the ``:date:`` field: docutils keeps none for a bibliographic field,
    and the front matter is the first field list, so it is the file's first ``:date:``."""
    try:
        lines = Path(document["source"]).read_text(encoding="utf-8").splitlines()
    except (KeyError, OSError, ValueError):
        return None
    return next((n for n, line in enumerate(lines, 1) if _DATE_FIELD.match(line)), None)


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
    """Write ``_build/blog/`` for the posts written in this build, if it had no warning.

    A build with warnings (a failed benchmark, a broken link) writes its export
    to ``_build/blog-with-warnings/`` instead and says so: what sits in
    ``_build/blog`` is always what a clean build made.
    """
    pages = _PAGES.pop(str(app.outdir), {})
    if exception is not None or app.builder.name != "html" or not pages:
        return
    warnings = app._warncount  # Sphinx keeps no public count (it is what -W reads)
    posts = _post_metas(app)
    # A draft is not exported: its numbers do not decide where the export goes.
    shown = [page for page in pages if not (page in posts and posts[page].draft)]
    tests_only = sorted({p for page in shown for p in test_profiles_of(app.env, page)})
    clean = Path(app.outdir).parent / "blog"
    blog_dir = clean if not (warnings or tests_only) else clean.with_name("blog-with-warnings")
    style = style_block(STYLE.read_text(encoding="utf-8"))
    exported: dict[str, str] = {}  # slug -> the post that took it
    for pagename, body in sorted(pages.items()):
        try:
            meta = posts.get(pagename) or post_meta(
                app.env.titles[pagename].astext(), app.env.metadata[pagename]
            )
            if meta.draft:
                logger.info("benchpost: %s is a draft (':draft: yes'): not exported", pagename)
                continue
            if meta.slug in exported:
                raise ExportError(
                    f"{exported[meta.slug]} and {pagename} would both be exported as "
                    f"{meta.slug!r}, one over the other; give one of them its own ':slug:'"
                )
            exported[meta.slug] = pagename
            html, assets = blog_body(body, meta, Path(app.outdir), pagename, posts)
            post = write_export(blog_dir, meta, html, assets, style, app.config.benchpost_blog_url)
            others = [m.slug for name, m in posts.items() if name != pagename]
            prune_assets(blog_dir, meta.slug, assets, others)
        except (ExportError, OSError) as exc:
            logger.warning("benchpost: cannot export %s: %s", pagename, exc,
                           location=pagename, type="benchpost", subtype="export")  # fmt: skip
            continue
        logger.info(
            "benchpost: blog export: %s (+ %d files, and %s.fragment.html)",
            post.relative_to(blog_dir.parent),
            len(assets),
            meta.slug,
        )
    if blog_dir == clean and exported:  # what a build with warnings left is stale now
        shutil.rmtree(clean.with_name("blog-with-warnings"), ignore_errors=True)
    if exported:
        _say_why_not_clean(warnings, tests_only, blog_dir, clean)


def _say_why_not_clean(warnings: int, tests_only: list[str], blog_dir: Path, clean: Path) -> None:
    """Why the export went aside, if it did (said, not warned: warnings already fail a
    -W build, and a test profile's build is no mistake)."""
    if warnings:
        logger.info(
            "benchpost: NOT PUBLISHABLE: this build had %d warning(s), so its blog export "
            "went to %s, not to %s; fix them and build again before publishing",
            warnings,
            blog_dir,
            clean,
        )
    elif tests_only:
        logger.info(
            "benchpost: NOT PUBLISHABLE: numbers of the profile %s, made for tests, so the "
            "blog export went to %s, not to %s; build with a profile for posts (quick, "
            "rigorous) before publishing",
            " and ".join(repr(p) for p in tests_only),
            blog_dir,
            clean,
        )


def _post_metas(app: Sphinx) -> dict[str, PostMeta]:
    """Every post of the site by page name (those not written in this build too): where
    a link to it points on the blog."""
    found = {}
    for name, fields in app.env.metadata.items():
        if "date" in fields and name in app.env.titles:
            try:
                found[name] = post_meta(app.env.titles[name].astext(), fields)
            except ExportError:
                continue  # said when that post itself is exported
    return found


def register(app: Sphinx) -> None:
    app.add_transform(CheckPostDate)
    app.connect("source-read", check_draft_markers)
    app.connect("doctree-read", check_alt_text)
    app.connect("html-page-context", capture_post)
    app.connect("build-finished", export_posts)
    # Where the blog lives: the pasted fragment's links to other posts point there.
    app.add_config_value("benchpost_blog_url", "https://www.pypy.org", "", [str])
