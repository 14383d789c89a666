"""Two HTML elements docutils has no node for: ``<details>`` and ``<picture>``.

- ``about``: the "how these numbers were made" text under a table or chart,
  folded in ``<details>`` so that a post shows it once, small, on demand
  (four full paragraphs of method per post drowned the prose on the blog).
- ``picture``: a chart in two drawings, a wide one and a narrow one for a
  phone's width, where the labels stay readable; ``<picture>`` lets the
  browser load only the one that fits, and feeds and other builders get the
  wide one alone.

Builders other than HTML render an ``about`` as its paragraphs and a
``picture`` as its wide image.
"""

from __future__ import annotations

import posixpath
import urllib.parse

from docutils import nodes
from sphinx.application import Sphinx

#: below this width (CSS px) a page shows the narrow drawing of a chart
PHONE_WIDTH = 600


class about(nodes.General, nodes.Element):  # docutils names nodes in lower case
    """Folded notes; ``summary`` is the one line shown."""


class picture(nodes.General, nodes.Element):
    """Children: the wide image, then the narrow one."""


def make_about(summary: str, *paragraphs: nodes.Node) -> about:
    node = about(summary=summary, classes=["benchpost-about"])
    node.extend(paragraphs)
    return node


def make_picture(wide: nodes.image, narrow: nodes.image) -> picture:
    return picture("", wide, narrow)


def _visit_about_html(self, node: about) -> None:
    summary = self.encode(node["summary"])
    self.body.append(f'<details class="benchpost-about"><summary>{summary}</summary>\n')


def _depart_about_html(self, node: about) -> None:
    self.body.append("</details>\n")


def _visit_picture_html(self, node: picture) -> None:
    wide, narrow = node.children
    uri = narrow["uri"]
    if uri in self.builder.images:  # where Sphinx copied it, as visit_image computes it
        uri = posixpath.join(self.builder.imgpath, urllib.parse.quote(self.builder.images[uri]))
    self.body.append(
        f'<picture><source media="(max-width: {PHONE_WIDTH}px)" srcset="{self.encode(uri)}">'
    )
    wide.walkabout(self)
    self.body.append("</picture>\n")
    raise nodes.SkipNode


def _visit_picture_other(self, node: picture) -> None:
    node.children[0].walkabout(self)
    raise nodes.SkipNode


def _visit_plain(self, node: nodes.Node) -> None:
    pass


def _depart_plain(self, node: nodes.Node) -> None:
    pass


def register(app: Sphinx) -> None:
    others = {name: (_visit_plain, _depart_plain) for name in ("latex", "text", "man", "texinfo")}
    app.add_node(about, html=(_visit_about_html, _depart_about_html), **others)
    app.add_node(
        picture,
        html=(_visit_picture_html, _depart_plain),
        **{name: (_visit_picture_other, _depart_plain) for name in others},
    )
