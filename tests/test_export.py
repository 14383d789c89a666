"""The blog export and the publishing checks."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest

from benchpost.export import ExportError, nikola_meta, post_meta

from .conftest import POST, make_project, needs_pypy, sphinx_build, suite_yaml

FIELDS = ":author: A. Author\n:date: 2026-11-23\n:tags: cpyext, speed\n:slug: small-post\n\n"
NO_PYPY = suite_yaml(pypy_command="/nonexistent/pypy3")


def test_metadata_becomes_nikola_meta():
    meta = post_meta(
        "Small post",
        {
            "date": "2026-11-23",
            "tags": "cpyext, speed",
            "author": "A. Author",
            "slug": "small-post",
        },
    )
    assert meta.date == dt.date(2026, 11, 23) and str(meta.folder) == "posts/2026/11"
    assert nikola_meta(meta) == (
        ".. title: Small post\n.. slug: small-post\n.. date: 2026-11-23 00:00:00 UTC\n"
        ".. tags: cpyext, speed\n.. author: A. Author\n.. type: text\n"
    )


def test_a_post_needs_a_date_and_a_usable_slug():
    with pytest.raises(ExportError, match="no ':date:' field"):
        post_meta("Title", {})
    with pytest.raises(ExportError, match="is not a date"):
        post_meta("Title", {"date": "yesterday"})
    assert post_meta("A Title: Here", {"date": "2026-01-02"}).slug == "a-title_-here"
    hostile = post_meta("x", {"date": "2026-01-02", "slug": "../../etc/passwd"})
    assert "/" not in hostile.slug and ".." not in hostile.slug


@pytest.mark.build
def test_the_export_has_the_post_its_images_and_a_self_contained_fragment(tmp_path):
    project = make_project(tmp_path, NO_PYPY, post=FIELDS + POST)
    sphinx_build(project, "-W")
    blog = project / "_build" / "blog"
    body = (blog / "posts" / "2026" / "11" / "small-post.html").read_text()
    assert "<h1>" not in body and "headerlink" not in body  # Nikola shows the title
    charts = re.findall(r'src="(/images/small-post-chart-[0-9a-f]+\.svg)"', body)
    assert charts and all((blog / c.lstrip("/")).is_file() for c in charts)
    fragment = (blog / "small-post.fragment.html").read_text()
    assert "data:image/svg+xml;base64," in fragment and 'src="/images/' not in fragment


@pytest.mark.build
def test_charts_are_byte_reproducible(tmp_path):
    project = make_project(tmp_path, NO_PYPY, post=FIELDS + POST)
    sphinx_build(project, "-W")
    chart = next((project / "_build" / "blog" / "images").glob("small-post-chart-*.svg"))
    first = chart.read_bytes()
    shutil.rmtree(project / "_build" / "doctrees" / "benchpost" / "charts")
    shutil.rmtree(project / "_build" / "blog")
    sphinx_build(project, "-W", "-E")  # same results, charts drawn again
    assert chart.read_bytes() == first


@pytest.mark.build
def test_a_draft_marker_fails_the_build_at_its_line(tmp_path):
    post = FIELDS + POST + "\nbla bla bla\n\nXXX insert pic\n"
    project = make_project(tmp_path, NO_PYPY, post=post)
    proc = sphinx_build(project, "-W", "--keep-going", check=False)
    assert proc.returncode != 0
    lines = len((FIELDS + POST).splitlines())
    assert f"index.rst:{lines + 2}: WARNING: benchpost: draft marker 'bla bla'" in proc.stderr
    assert f"index.rst:{lines + 4}: WARNING: benchpost: draft marker 'XXX'" in proc.stderr


@pytest.mark.build
def test_an_image_without_alt_text_is_a_warning(tmp_path):
    project = make_project(tmp_path, NO_PYPY, post=FIELDS + POST + "\n.. image:: pic.svg\n")
    (project / "pic.svg").write_text('<svg xmlns="http://www.w3.org/2000/svg"/>')
    proc = sphinx_build(project, "-W", check=False)
    assert re.search(
        r"index\.rst:\d+: WARNING: benchpost: image pic\.svg has no alt text", proc.stderr
    ), proc.stderr


@pytest.mark.build
def test_a_draft_post_is_previewed_but_not_exported(tmp_path):
    project = make_project(tmp_path, NO_PYPY, post=":draft: yes\n" + FIELDS + POST)
    proc = sphinx_build(project, "-W")
    assert (project / "_build" / "html" / "index.html").is_file()
    assert not (project / "_build" / "blog").exists()
    assert "is a draft (':draft: yes'): not exported" in proc.stdout


@pytest.mark.build
def test_the_preview_site_lists_posts_newest_first_with_a_feed(tmp_path):
    pytest.importorskip("ablog", reason="ablog is not installed (tox installs it)")
    project = make_project(
        tmp_path,
        NO_PYPY,
        post="Blog\n====\n\n.. postlist::\n   :date: %Y-%m-%d\n   :format: "
        "{date}: {title}, by {author} ({tags})\n\n.. toctree::\n   :hidden:"
        "\n   :glob:\n\n   posts/*\n",
    )
    (project / "conf.py").write_text(
        (project / "conf.py").read_text()
        + (
            'extensions.append("ablog")\nblog_post_pattern = "posts/*"\n'
            'blog_baseurl = "http://127.0.0.1:8000/"\npost_date_format = "%Y-%m-%d"\n'
        )
    )
    (project / "posts").mkdir()
    for day, title in (("2026-11-01", "Older post"), ("2026-11-20", "Newer post")):
        (project / "posts" / f"{day}.rst").write_text(
            f":author: A. Author\n:date: {day}\n:tags: speed\n\n{title}\n{'=' * len(title)}\n\n"
            f"A call takes :bench:`calls/noargs/cpython`.\n"
        )
    sphinx_build(project, "-W")
    index = re.sub(
        r"\s+",
        " ",
        re.sub(r"<[^>]+>", " ", (project / "_build" / "html" / "index.html").read_text()),
    )
    newer = index.index("2026-11-20: Newer post , by A. Author ( speed )")
    assert newer < index.index("2026-11-01: Older post")
    feed = (project / "_build" / "html" / "blog" / "atom.xml").read_text()
    assert feed.count("<entry>") == 2 and "Newer post" in feed
    assert (project / "_build" / "blog" / "posts" / "2026" / "11").is_dir()


@pytest.mark.build
def test_an_unresolved_link_fails_the_build_at_its_line(tmp_path):
    post = FIELDS + POST + "\nSee `the missing page`_ for more.\n"
    project = make_project(tmp_path, NO_PYPY, post=post)
    proc = sphinx_build(project, "-W", check=False)
    assert proc.returncode != 0
    assert re.search(
        r"index\.rst:\d+: ERROR: Unknown target name: \"the missing page\"", proc.stderr
    ), proc.stderr


OTHER = """\
:orphan:
:author: A. Author
:date: 2026-10-02
:slug: older-post

Older post
==========

.. benchmark-table:: calls
   :title: Per call
   :subtract-loop:

Raw: :bench:`calls/noargs/cpython`. Net: :bench:`calls/noargs/cpython, subtract-loop`.
"""


def _two_posts(tmp_path, link: str = ":doc:`the older post <older>`", suite: str = NO_PYPY):
    post = FIELDS + POST + f"\nSee {link}; PyPy is :bench-comparison:`calls/*/pypy`.\n"
    project = make_project(tmp_path, suite, post=post)
    (project / "older.rst").write_text(OTHER)
    return project


@needs_pypy
@pytest.mark.build
def test_the_export_carries_its_style_folds_its_notes_and_links_posts_as_the_blog_does(
    tmp_path,
):
    project = _two_posts(tmp_path, suite=suite_yaml())  # PyPy too: two files to compare
    sphinx_build(project, "-W")
    blog = project / "_build" / "blog"
    body = (blog / "posts" / "2026" / "11" / "small-post.html").read_text()
    # The style travels, scoped to benchpost's own elements.
    style = re.search(r"<style>(.*?)</style>", body, re.S).group(1)
    assert ".benchpost table.benchpost-table td p" in style and "<" not in style
    selectors = [
        one.strip() for found in re.findall(r"([^{}]+)\{", style) for one in found.split(",")
    ]
    assert selectors and all(sel.startswith((".benchpost", "@media")) for sel in selectors)
    # The notes are folded, once per table and chart, not body text.
    assert body.count('<details class="benchpost-about">') == 2
    assert not re.search(r'<p class="benchpost-note">(?:(?!</details>).)*$', body, re.S)
    # The link to the other post is where the blog puts it.
    assert 'href="/posts/2026/10/older-post.html"' in body
    assert (blog / "posts" / "2026" / "10" / "older-post.html").is_file()
    # The command names the files as they are downloaded, and they are there.
    command = re.search(r"compare_to</span> (.*?)</code>", body).group(1)
    names = re.findall(r'<span class="pre">([^<]+)</span>', command)
    assert names and all(n.startswith("small-post-calls-") for n in names), command
    for name in names:
        assert f'download="{name}" href="/benchpost/{name}"' in body
        assert (blog / "files" / "benchpost" / name).is_file()
    # The comparison reads as a sentence whatever its interval says.
    assert re.search(
        r"PyPy is <span[^>]*>(about as fast as|[\d.]+x (faster|slower) than) "
        r"CPython",
        body,
    ), body
    # The fragment needs nothing from the blog: every address inside it or absolute.
    fragment = (blog / "small-post.fragment.html").read_text()
    addresses = re.findall(r'(?:src|href|srcset)="([^"]*)"', fragment)
    assert addresses and all(a.startswith(("data:", "https://", "#")) for a in addresses), [
        a[:60] for a in addresses if not a.startswith(("data:", "https://", "#"))
    ]
    assert 'href="https://www.pypy.org/posts/2026/10/older-post.html"' in fragment
    # A raw time quoted beside a table that subtracts the loop says so; a net one matches it.
    older = (blog / "posts" / "2026" / "10" / "older-post.html").read_text()
    raw, net = re.findall(r'<span class="benchpost-value">([^<]+)</span>', older)
    assert raw.endswith(" (empty loop included)") and "included" not in net
    assert net.replace("\u00a0", " ") != raw.removesuffix(" (empty loop included)")


@pytest.mark.build
def test_a_link_to_a_page_that_is_not_a_post_fails_the_export(tmp_path):
    project = _two_posts(tmp_path, link=":doc:`the other page <page>`")
    (project / "page.rst").write_text(":orphan:\n\nA page\n======\n\nNot a post.\n")
    proc = sphinx_build(project, "-W", "--keep-going", check=False)
    assert proc.returncode != 0
    assert re.search(
        r"WARNING: benchpost: cannot export index: it links to page\.html, which is not a "
        r"post on the blog",
        proc.stderr,
    ), proc.stderr


@pytest.mark.build
def test_a_build_with_warnings_exports_where_it_cannot_be_mistaken_for_a_good_one(tmp_path):
    project = make_project(tmp_path, NO_PYPY, post=FIELDS + POST)
    sphinx_build(project, "-W")
    good = project / "_build" / "blog" / "posts" / "2026" / "11" / "small-post.html"
    before = good.read_bytes()
    index = project / "index.rst"
    index.write_text(index.read_text() + "\n.. benchmark-table:: no-such-group\n")
    proc = sphinx_build(project, check=False)  # no -W: the build goes on
    assert "WARNING" in proc.stderr
    assert "NOT PUBLISHABLE" in proc.stdout and "blog-with-warnings" in proc.stdout
    assert good.read_bytes() == before  # the last clean export, untouched
    assert (
        project / "_build" / "blog-with-warnings" / good.relative_to(project / "_build" / "blog")
    ).is_file()
