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


_ASSET = re.compile(r'(src|href)="((?:\.\./)*)_(images|downloads)/([^"#?]+)"')
_HEADERLINK = re.compile(r'<a class="headerlink"[^>]*>.*?</a>', re.S)
_TITLE = re.compile(r"<h1>.*?</h1>\s*", re.S)


@dataclass(frozen=True)
class Asset:
    """A file the post uses: where Sphinx put it, where the blog wants it."""

    source: Path
    target: PurePosixPath  # inside the export folder
    url: str  # how the post refers to it on the blog


def blog_body(body: str, meta: PostMeta, outdir: Path) -> tuple[str, list[Asset]]:
    """The post's HTML with its title removed and asset paths made blog paths."""
    assets: dict[str, Asset] = {}

    def relink(match: re.Match) -> str:
        attribute, kind, rest = match.group(1), match.group(3), match.group(4)
        source = outdir / f"_{kind}" / rest
        if not source.resolve().is_relative_to((outdir / f"_{kind}").resolve()):
            # "../_downloads/../../../etc/passwd": never copy a file from outside the build.
            raise ExportError(f"{match.group(0)} points outside the build folder")
        name = f"{meta.slug}-{PurePosixPath(rest).name}"
        if kind == "images":
            asset = Asset(source, PurePosixPath("images", name), f"/images/{name}")
        else:
            asset = Asset(source, PurePosixPath("files", "benchpost", name), f"/benchpost/{name}")
        assets[asset.url] = asset
        return f'{attribute}="{asset.url}"'

    body = _TITLE.sub("", _HEADERLINK.sub("", body), count=1)
    return _ASSET.sub(relink, body), list(assets.values())


def inline_images(body: str, assets: list[Asset]) -> str:
    """The same HTML with every image inside it as a data URI: one file to paste."""
    for asset in assets:
        if asset.target.parts[0] != "images":
            continue
        kind = (
            "image/svg+xml"
            if asset.source.suffix == ".svg"
            else (f"image/{asset.source.suffix.lstrip('.').replace('jpg', 'jpeg')}")
        )
        data = base64.b64encode(asset.source.read_bytes()).decode("ascii")
        body = body.replace(f'src="{asset.url}"', f'src="data:{kind};base64,{data}"')
    return body


def write_export(blog_dir: Path, meta: PostMeta, body: str, assets: list[Asset]) -> Path:
    """Write the post, its .meta, its files and its fragment; returns the post's path.
    ``ExportError`` saying what could not be written and why (a full disk)."""
    try:
        return _write_export(blog_dir, meta, body, assets)
    except OSError as exc:
        raise ExportError(cannot_write(exc)) from None


def _write_export(blog_dir: Path, meta: PostMeta, body: str, assets: list[Asset]) -> Path:
    # Only what changed is written: a file rewritten with the same bytes would
    # look like an edit to a watcher (sphinx-autobuild, a sync tool).
    post = blog_dir / meta.folder / f"{meta.slug}.html"
    _inside(blog_dir, post)
    write_if_changed(post, body.encode("utf-8"))
    write_if_changed(post.with_suffix(".meta"), nikola_meta(meta).encode("utf-8"))
    for asset in assets:
        target = _inside(blog_dir, blog_dir / asset.target)
        write_if_changed(target, _read(asset.source))
    fragment = f"<!-- {_comment_text(meta.title)}: paste into a web editor -->\n" + inline_images(
        body, assets
    )
    write_if_changed(blog_dir / f"{meta.slug}.fragment.html", fragment.encode("utf-8"))
    return post


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
