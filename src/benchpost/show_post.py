"""``python -m benchpost show posts/x.rst``: the post as a build shows it, in text.

The post is built alone (``sphinx.frozen.read_only_one_post``) with Sphinx's
text builder in folders of its own, thrown away after: a frozen post shows
its frozen numbers, a live one what this machine's build shows (measured
with the build's profile, into the usual cache).
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from benchpost.freeze import FreezeError, docname_of, run_build


def show_post(post: Path, confdir: Path, cache_dir: Path, profile: str | None) -> int:
    """Print ``post`` as text, its tables and sentences with their numbers; the build's
    exit code."""
    try:
        docname = docname_of(post, confdir)
    except FreezeError as exc:
        print(f"benchpost: error: {exc}", file=sys.stderr)
        return 2
    own = (confdir / "_build" / "showing" / str(os.getpid())).absolute()
    command = [
        *(sys.executable, "-m", "sphinx", "-q", "-b", "text", "-d", str(own / "doctrees")),
        *("-D", f"benchpost_only={docname}"),
        *("-D", f"benchpost_cache_dir={Path(cache_dir).absolute()}"),
        *((("-D", f"benchpost_profile={profile}")) if profile else ()),
        *(".", str(own / "text")),
    ]
    try:
        returncode = run_build(command, confdir, dict(os.environ))
        shown = own / "text" / f"{docname}.txt"
        if shown.is_file():
            print(shown.read_text(encoding="utf-8"), end="")
        return returncode
    finally:
        shutil.rmtree(own, ignore_errors=True)
