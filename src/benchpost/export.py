"""The post as the PyPy blog takes it: a Nikola post, its images, an HTML fragment.

The PyPy blog is a Nikola site (``PRETTY_URLS = False``). A post there is
``posts/YYYY/MM/<slug>.html`` plus ``<slug>.meta``; files placed beside a
post are not published, so images go to the site's top-level ``images/``
(referenced as ``/images/<slug>-<name>``) and data files to ``files/``
(published at the site root). The body is the HTML Sphinx rendered, so the
tables are plain HTML and nothing depends on this extension.

Pure functions on strings and paths; ``sphinx_ext`` feeds them.
"""

from __future__ import annotations

import base64
import datetime as dt
import posixpath
import re
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from benchpost.files import cannot_write, slug, write_if_changed


class ExportError(ValueError):
    """The post's metadata cannot make a blog post (the message says which field)."""


@dataclass(frozen=True)
class PostMeta:
    """The metadata Nikola needs, from the post's field list and title."""

    title: str
    slug: str
    date: dt.date
    tags: tuple[str, ...] = ()
    author: str = ""
    draft: bool = False

    @property
    def folder(self) -> PurePosixPath:
        return PurePosixPath("posts", f"{self.date:%Y}", f"{self.date:%m}")


def post_meta(title: str, fields: dict[str, str]) -> PostMeta:
    """Check and convert a post's fields (``:date:``, ``:slug:``, ...)."""
    if "date" not in fields:
        raise ExportError("the post has no ':date:' field (YYYY-MM-DD); the blog needs one")
    date = parse_date(str(fields["date"]))
    # A slug becomes a file name: no folders, no "..", nothing to escape.
    wanted = str(fields.get("slug") or title).strip().lower()
    safe = slug(re.sub(r"\s+", "-", wanted)).replace(".", "-").strip("-")
    if not safe:
        raise ExportError(f"':slug: {wanted}' leaves nothing usable as a file name")
    tags = tuple(t.strip() for t in str(fields.get("tags", "")).split(",") if t.strip())
    draft = str(fields.get("draft", "no")).strip().lower() in {"yes", "true", "1"}
    return PostMeta(title.strip(), safe, date, tags, str(fields.get("author", "")).strip(), draft)


def parse_date(text: str) -> dt.date:
    """The date of a ``:date:`` field (``YYYY-MM-DD``, a time may follow); ``ExportError``."""
    try:
        return dt.date.fromisoformat(text.strip()[:10])
    except ValueError:
        raise ExportError(f"':date: {text.strip()}' is not a date (YYYY-MM-DD)") from None


def nikola_meta(meta: PostMeta) -> str:
    """The ``<slug>.meta`` file: one ``.. key: value`` line each, Nikola's format."""
    lines = [
        f".. title: {_one_line(meta.title)}",
        f".. slug: {meta.slug}",
        f".. date: {meta.date:%Y-%m-%d} 00:00:00 UTC",
        f".. tags: {_one_line(', '.join(meta.tags))}",
        f".. author: {_one_line(meta.author)}",
        ".. type: text",
    ]
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _comment_text(text: str) -> str:
    """Text that cannot end (or nest) an HTML comment: "--" never appears in it."""
    return re.sub(r"-{2,}", lambda m: "\u2010" * len(m.group(0)), _one_line(text)).strip("-<>!")


_ASSET = re.compile(r'(src|href|srcset)="((?:\.\./)*)_(images|downloads)/([^"#?]+)"')
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
_TITLE = re.compile(r"<h1>.*?</h1>\s*", re.S)
# A link Sphinx made to another page of the site: relative, to an .html file.
_PAGE_LINK = re.compile(r'href="(?![a-z][a-z0-9+.-]*:|/|#)([^"#?]+)\.html(#[^"]*)?"', re.I)
_DOWNLOAD = re.compile(r'<a ([^>]*)download="" href="(/benchpost/([^"]+))"')


@dataclass(frozen=True)
class Asset:
    """A file the post uses: where Sphinx put it, where the blog wants it."""

    source: Path
    target: PurePosixPath  # inside the export folder
    url: str  # how the post refers to it on the blog


def blog_body(
    body: str,
    meta: PostMeta,
    outdir: Path,
    page: str = "",
    posts: dict[str, PostMeta] | None = None,
) -> tuple[str, list[Asset]]:
    """The post's HTML with its title removed, asset paths made blog paths (data files
    renamed, and named so in the text: the pyperf command quotes the files a reader
    downloads), and links to other posts (``page`` links to them, by page name, in
    ``posts``) made the blog's ``/posts/YYYY/MM/slug.html``; ``ExportError`` for a
    link to a page that is not a post on the blog."""
    assets: dict[str, Asset] = {}
    renamed: dict[str, str] = {}

    def relink(match: re.Match) -> str:
        attribute, kind, rest = match.group(1), match.group(3), match.group(4)
        source = outdir / f"_{kind}" / rest
        if not source.resolve().is_relative_to((outdir / f"_{kind}").resolve()):
            # "../_downloads/../../../etc/passwd": never copy a file from outside the build.
            raise ExportError(f"{match.group(0)} points outside the build folder")
        original = PurePosixPath(rest).name
        name = f"{meta.slug}-{original}"
        if kind == "images":
            asset = Asset(source, PurePosixPath("images", name), f"/images/{name}")
        else:
            asset = Asset(source, PurePosixPath("files", "benchpost", name), f"/benchpost/{name}")
            renamed[original] = name
        assets[asset.url] = asset
        return f'{attribute}="{asset.url}"'

    body = _TITLE.sub("", _HEADERLINK.sub("", body), count=1)
    body = _ASSET.sub(relink, body)
    for original, name in renamed.items():  # link texts and the compare_to command
        body = body.replace(
            f'<span class="pre">{original}</span>', f'<span class="pre">{name}</span>'
        )
    body = _DOWNLOAD.sub(
        lambda m: f'<a {m.group(1)}download="{m.group(3)}" href="{m.group(2)}"', body
    )
    return _relink_posts(body, page, posts or {}), list(assets.values())


def _relink_posts(body: str, page: str, posts: dict[str, PostMeta]) -> str:
    here = PurePosixPath(page).parent

    def relink(match: re.Match) -> str:
        target = posixpath.normpath(str(here / match.group(1)))
        anchor = match.group(2) or ""
        if target not in posts:
            raise ExportError(
                f"it links to {match.group(1)}.html, which is not a post on the blog (only "
                f"posts are exported): link to a post (:doc:`/posts/...`) or to a full "
                f"https:// address"
            )
        other = posts[target]
        return f'href="/{other.folder}/{other.slug}.html{anchor}"'

    return _PAGE_LINK.sub(relink, body)


def _data_uri(asset: Asset, data: bytes) -> str:
    suffix = asset.source.suffix.lower()
    kind = {
        ".svg": "image/svg+xml",
        ".jpg": "image/jpeg",
        ".json": "application/json",
    }.get(
        suffix,
        f"image/{suffix.lstrip('.')}"
        if asset.target.parts[0] == "images"
        else "application/octet-stream",
    )
    return f"data:{kind};base64,{base64.b64encode(data).decode('ascii')}"


def inline_assets(body: str, files: dict[Asset, bytes], site_url: str = "") -> str:
    """The same HTML to paste anywhere: every image and data file (``files``: each
    asset's bytes) inside it as a data URI, and links to other posts absolute
    (``site_url``, the blog's address)."""
    for asset, data in files.items():
        uri = _data_uri(asset, data)
        for attribute in ("src", "srcset", "href"):
            body = body.replace(f'{attribute}="{asset.url}"', f'{attribute}="{uri}"')
    if site_url:
        body = body.replace('href="/posts/', f'href="{site_url.rstrip("/")}/posts/')
    return body


def style_block(css: str) -> str:
    """The post's own style, one ``<style>`` block: a blog theme knows nothing of
    benchpost's classes, and Nikola and web editors keep a style block in a post."""
    css = re.sub(r"/\*.*?\*/", "", css, flags=re.S).replace("</", "<\\/")  # comments out
    rules = "\n".join(line for line in css.splitlines() if line.strip())
    return f"<style>\n{rules}\n</style>\n"


def with_style(body: str, style: str) -> str:
    """``style`` put just before the first benchpost element: not first in the post, where
    Nikola's feed generator (lxml) takes it for the head and finds no body, crashing."""
    first = body.find('<div class="benchpost')
    return body if first < 0 or not style else body[:first] + style + body[first:]


def write_export(
    blog_dir: Path,
    meta: PostMeta,
    body: str,
    assets: list[Asset],
    style: str = "",
    site_url: str = "",
) -> Path:
    """Write the post, its .meta, its files and its fragment; returns the post's path.
    ``ExportError`` saying what could not be written and why (a full disk)."""
    try:
        return _write_export(blog_dir, meta, with_style(body, style), assets, site_url)
    except OSError as exc:
        raise ExportError(cannot_write(exc)) from None


def _write_export(
    blog_dir: Path, meta: PostMeta, body: str, assets: list[Asset], site_url: str
) -> Path:
    # Only what changed is written: a file rewritten with the same bytes would
    # look like an edit to a watcher (sphinx-autobuild, a sync tool).
    post = blog_dir / meta.folder / f"{meta.slug}.html"
    _inside(blog_dir, post)
    write_if_changed(post, body.encode("utf-8"))
    write_if_changed(post.with_suffix(".meta"), nikola_meta(meta).encode("utf-8"))
    files = {asset: _read(asset.source) for asset in assets}  # each read once
    for asset, data in files.items():
        write_if_changed(_inside(blog_dir, blog_dir / asset.target), data)
    fragment = f"<!-- {_comment_text(meta.title)}: paste into a web editor -->\n" + inline_assets(
        body, files, site_url
    )
    write_if_changed(blog_dir / f"{meta.slug}.fragment.html", fragment.encode("utf-8"))
    return post


#: The folders of a post's files in the export (``blog_body`` names them).
ASSET_FOLDERS = ("images", "files/benchpost")


def prune_assets(blog_dir: Path, slug: str, kept: list[Asset], others: list[str]) -> None:
    """Remove the files a post's earlier exports left that this one does not use (an
    old chart would be published with the folder); never another post's (``others``:
    their slugs, one of which may start with this one's)."""
    used = {blog_dir / asset.target for asset in kept}
    theirs = tuple(f"{o}-" for o in others if o.startswith(f"{slug}-") and o != slug)
    for folder in ASSET_FOLDERS:
        for path in (blog_dir / folder).glob(f"{slug}-*"):
            if path not in used and not path.name.startswith(theirs or ("\0",)):
                path.unlink(missing_ok=True)


def _read(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except OSError as exc:
        raise ExportError(f"cannot read {path}: {exc.strerror or exc}") from None


def _inside(root: Path, path: Path) -> Path:
    """``path``, after checking that it stays inside ``root`` (hostile names)."""
    if not path.resolve().is_relative_to(root.resolve()):
        raise ExportError(f"{path} would be written outside {root}")
    return path
