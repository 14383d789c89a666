"""``python -m benchpost freeze POST``: record a post's numbers with it, for good.

Builds the post alone (in the folder of ``conf.py``, in build folders of its
own) with ``benchpost_freeze`` naming it: the post is measured as a live
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
import signal
import subprocess
import sys
from pathlib import Path

from benchpost.files import file_lock
from benchpost.measure.process import ENDING_SIGNALS, die_with_parent
from benchpost.store.layout import MACHINE_LOCK, frozen_dir

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


#: The freeze command tells its build which staging folder is its own: under the
#: build folder (a freeze killed outright leaves nothing in the source tree), one per
#: command (two freezes of one post at once never take each other's).
STAGING = "BENCHPOST_FREEZE_STAGING"


def staging_of(final: Path) -> Path:
    """The staging folder of this freeze (a build run by hand: beside the final one)."""
    given = os.environ.get(STAGING)
    return Path(given) if given else final.with_name(f"{final.name}.new")


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
    # Folders of its own: the freeze reads this post alone (``sphinx.frozen``), and
    # what it writes must not stand in for the site's next build.
    own = (confdir / "_build" / "freezing" / str(os.getpid())).absolute()
    command = [
        *(sys.executable, "-m", "sphinx", "-b", "html", "-d", str(own / "doctrees")),
        *("-D", f"benchpost_freeze={docname}", ".", str(own / "html")),
    ]
    suffix = f"-{os.getpid()}"
    staging = own / "results"
    os.environ[STAGING] = str(staging)  # for staging_of, here and in the build
    env = {**os.environ, **({"BENCHPOST_PROFILE": profile} if profile else {})}
    print(f"benchpost: freezing {docname}: $ {' '.join(command)}", file=sys.stderr, flush=True)
    try:
        returncode = run_build(command, confdir, env)
        if returncode != 0 or not (staging / COMPLETE).is_file():
            raise FreezeError(
                f"{docname} could not show every number (see the build's warnings above, "
                f"and BENCHPOST_METRICS if it leaves a metric out); nothing was frozen"
            )
        (staging / COMPLETE).unlink()
        with file_lock(FREEZE_LOCK):  # one swap at a time: two freezes of one post
            old = final.with_name(f"{final.name}.old{suffix}")
            if final.exists():
                final.rename(old)
            final.parent.mkdir(parents=True, exist_ok=True)
            shutil.move(staging, final)  # a rename, unless _build is on another disk
            shutil.rmtree(old, ignore_errors=True)
    finally:
        shutil.rmtree(own, ignore_errors=True)
    source = post.read_text(encoding="utf-8")
    post.write_text(with_field(source, dt.date.today().isoformat()), encoding="utf-8")
    return final.relative_to(confdir) if final.is_relative_to(confdir) else final


#: Held while a frozen folder is swapped for its new one.
FREEZE_LOCK = MACHINE_LOCK.with_name(MACHINE_LOCK.name.replace("measure", "freeze"))


def run_build(command: list[str], confdir: Path, env: dict[str, str]) -> int:
    """Run the freezing build; SIGTERM or SIGHUP to this command ends the build too (it
    then keeps what it finished and removes what it half wrote), and the build dies
    with this command if it is killed outright."""
    proc = subprocess.Popen(command, cwd=confdir, env=env, preexec_fn=die_with_parent())
    stopped: list[int] = []

    def stop(signum: int, frame: object) -> None:
        # Only pass it on: the wait below is what this handler interrupted.
        stopped.append(signum)
        proc.send_signal(signal.SIGTERM)

    previous = {s: signal.signal(s, stop) for s in ENDING_SIGNALS}
    try:
        returncode = proc.wait()
    except KeyboardInterrupt:  # Ctrl-C reached the build as well: let it finish ending
        proc.wait()
        raise
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    if stopped:
        raise SystemExit(128 + stopped[0])
    return returncode
