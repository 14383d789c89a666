"""``python -m benchpost freeze POST``: record a post's numbers with it, for good.

Builds the site (as ``tox -e build`` does, in the folder of ``conf.py``)
with ``benchpost_freeze`` naming the post: the post is measured as a live
post, and every result it shows is copied to a staging folder
(``benchpost.sphinx.frozen``). Only if the post showed every number does
the staging folder replace the post's frozen folder, and ``:frozen:
<date>`` go into the post's field list: a failed freeze changes nothing.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from benchpost.store.layout import frozen_dir

FIELD = "frozen"
_FIELD_LINE = re.compile(rf"^:{FIELD}:[ \t]*(.*?)[ \t]*$", re.M)
#: written last into the staging folder: the post showed every number
COMPLETE = ".complete"


def field_value(source: str) -> str:
    """The value of the ``:frozen:`` field at the top of a post ("" if none)."""
    head = source.split("\n\n", 1)[0]  # the field list is the first block
    found = _FIELD_LINE.search(head)
    return found.group(1) if found else ""


def with_field(source: str, value: str) -> str:
    """The post's source with ``:frozen: value`` in its field list (added or replaced)."""
    line = f":{FIELD}: {value}"
    head, sep, rest = source.partition("\n\n")
    if _FIELD_LINE.search(head):
        return _FIELD_LINE.sub(line, head, count=1) + sep + rest
    if head.lstrip().startswith(":"):
        return f"{head}\n{line}{sep}{rest}"
    return f"{line}\n\n{source}"


def staging_of(final: Path) -> Path:
    """The staging folder beside a post's frozen folder."""
    return final.with_name(final.name + ".new")


class FreezeError(Exception):
    """The post could not be frozen; nothing was changed."""


def docname_of(post: Path, confdir: Path) -> str:
    """``posts/x.rst`` -> ``posts/x``, relative to the folder of conf.py."""
    try:
        relative = post.resolve().relative_to(confdir.resolve())
    except ValueError:
        raise FreezeError(f"{post} is not inside {confdir} (the folder of conf.py)") from None
    if relative.suffix != ".rst" or not post.is_file():
        raise FreezeError(f"{post} is not a post (a .rst file)")
    return relative.with_suffix("").as_posix()


def freeze(post: Path, confdir: Path, recorded_root: Path, profile: str | None) -> Path:
    """Measure ``post``, keep its results in its frozen folder, mark it; returns the folder."""
    docname = docname_of(post, confdir)
    final = frozen_dir(recorded_root, docname)
    staging = staging_of(final)
    command = [
        *(sys.executable, "-m", "sphinx", "-b", "html", "-d", "_build/doctrees"),
        *("-D", f"benchpost_freeze={docname}", ".", "_build/html"),
    ]
    env = {**os.environ, **({"BENCHPOST_PROFILE": profile} if profile else {})}
    print(f"benchpost: freezing {docname}: $ {' '.join(command)}", file=sys.stderr, flush=True)
    proc = subprocess.run(command, cwd=confdir, env=env, check=False)
    if proc.returncode != 0 or not (staging / COMPLETE).is_file():
        shutil.rmtree(staging, ignore_errors=True)
        raise FreezeError(
            f"{docname} could not show every number (see the build's warnings above, "
            f"and BENCHPOST_METRICS if it leaves a metric out); nothing was frozen"
        )
    (staging / COMPLETE).unlink()
    old = final.with_name(final.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if final.exists():
        final.rename(old)
    staging.rename(final)
    shutil.rmtree(old, ignore_errors=True)
    source = post.read_text(encoding="utf-8")
    post.write_text(with_field(source, dt.date.today().isoformat()), encoding="utf-8")
    return final.relative_to(confdir) if final.is_relative_to(confdir) else final
