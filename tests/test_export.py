"""The blog export and the publishing checks."""

from __future__ import annotations

import datetime as dt
import re
import shutil

import pytest

from benchpost.export import ExportError, nikola_meta, post_meta

from .conftest import POST, make_project, sphinx_build, suite_yaml

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
