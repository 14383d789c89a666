"""The ``benchpost_*`` settings of ``conf.py``, declared once.

Each field of ``Settings`` becomes a Sphinx config value ``benchpost_<field>``
with the field's default; ``Settings.from_sphinx`` reads them back. The
command line builds the same ``Settings`` with ``Settings.from_values``.
Both apply the same environment overrides (``ENVIRONMENT``), so a build and
the command line agree on every default.
"""

from __future__ import annotations

import os
from collections.abc import Collection
from dataclasses import dataclass, field, fields
from pathlib import Path

from benchpost.measure.metric import Metric
from benchpost.measure.registry import parse_metrics


@dataclass(frozen=True)
class Settings:
    """Where the suite is, how to measure, where results go."""

    #: the suite file, relative to the folder of conf.py
    suite: str = "benchmarks/suite.yaml"
    #: a profile of the suite; the BENCHPOST_PROFILE environment variable wins
    profile: str = "quick"
    #: where results, builds and charts go; "" means <doctrees>/benchpost
    cache_dir: str = ""
    #: "measure" (recorded results only for interpreters not found here),
    #: "recorded" (never measure) or "measure-missing" (recorded where there
    #: are some, measure the rest); the BENCHPOST_MODE environment variable wins
    mode: str = "measure"
    #: seconds after which one benchmark on one interpreter is killed
    timeout: float = 600.0
    #: interpreter names to use; empty means every one the suite declares
    interpreters: tuple[str, ...] = field(default_factory=tuple)
    #: the metrics this build may show, the default first: "time" (pyperf) and
    #: "instructions" (callgrind); a table or role without a ``metric`` option
    #: shows the first. The BENCHPOST_METRICS environment variable wins, so CI
    #: can publish instruction counts only ("instructions").
    metrics: tuple[str, ...] = ("time", "instructions")
    #: this machine's name in result files and in recorded sets' folders; "" means
    #: one derived from its stable facts (CPU, cores, memory, kernel, virtualisation);
    #: the BENCHPOST_MACHINE environment variable wins
    machine: str = ""
    #: the recorded set (a machine's folder under ``recorded:``) that tables show
    #: when this machine cannot measure every interpreter; "" means the only one,
    #: or the newest that holds every interpreter; BENCHPOST_RECORDED_SET wins
    recorded_set: str = ""
    #: the post (its document name) that ``python -m benchpost freeze`` is freezing
    #: in this build: it is measured, and its results are copied to its frozen folder
    freeze: str = ""
    #: the one post a build reads (``python -m benchpost show posts/x.rst``)
    only: str = ""

    @classmethod
    def register(cls, app) -> None:
        """Declare every field as a ``benchpost_`` config value (re-read on change)."""
        defaults = cls()
        for f in fields(cls):
            default = getattr(defaults, f.name)
            kinds = (type(default),)
            if isinstance(default, tuple):
                # A list, so that "-D benchpost_interpreters=a,b" works (Sphinx
                # splits overrides of list values, and refuses tuples).
                default, kinds = list(default), (list, tuple)
            if isinstance(default, float):
                # Sphinx converts "-D name=value" by the default's type, and has no
                # rule for a float: a text default lets "-D benchpost_timeout=20" through.
                default, kinds = f"{default:g}", (float, int, str)
            # Freezing one post re-reads that post only (see sphinx.collector).
            rebuild = "" if f.name in ("freeze", "only") else "env"
            app.add_config_value(f"benchpost_{f.name}", default, rebuild, kinds)

    @classmethod
    def from_sphinx(cls, config, confdir: Path, doctreedir: Path) -> Settings:
        """The settings of a Sphinx build (``conf.py``, ``-D``, then the environment)."""
        values = {f.name: getattr(config, f"benchpost_{f.name}") for f in fields(cls)}
        return cls.from_values(values, confdir, Path(doctreedir) / "benchpost")

    @classmethod
    def from_values(
        cls, values: dict, confdir: Path, default_cache: Path, explicit: Collection[str] = ()
    ) -> Settings:
        """Settings from plain values (conf.py's, or the command line's), then the
        environment, which wins over them but for the ``explicit`` ones (an option typed
        on the command line wins over a variable exported long ago).

        Paths are relative to ``confdir``; an empty ``cache_dir`` is ``default_cache``.
        """
        values = {**{f.name: getattr(cls(), f.name) for f in fields(cls)}, **values}
        for name, variable in ENVIRONMENT.items():
            if name not in explicit:
                values[name] = os.environ.get(variable) or values[name]
        values["interpreters"] = tuple(_words(values["interpreters"]))
        values["metrics"] = tuple(_words(values["metrics"]))
        values["suite"] = str((confdir / values["suite"]).resolve())
        cache = values["cache_dir"]
        values["cache_dir"] = str((confdir / cache).resolve() if cache else default_cache)
        try:
            values["timeout"] = float(values["timeout"])
        except ValueError:
            raise LookupError(
                f"benchpost_timeout must be a number of seconds, not {values['timeout']!r}"
            ) from None
        return cls(**values)

    def enabled_metrics(self) -> tuple[Metric, ...]:
        """The metrics this build may show, the default first; ``LookupError`` if none."""
        try:
            metrics = parse_metrics(self.metrics)
        except LookupError as exc:
            raise LookupError(f"benchpost_metrics (or BENCHPOST_METRICS): {exc.args[0]}") from None
        if not metrics:
            raise LookupError("benchpost_metrics (or BENCHPOST_METRICS) names no metric")
        return metrics


#: Settings that an environment variable overrides, for one build or command.
ENVIRONMENT = {
    "profile": "BENCHPOST_PROFILE",
    "mode": "BENCHPOST_MODE",
    "metrics": "BENCHPOST_METRICS",
    "machine": "BENCHPOST_MACHINE",
    "recorded_set": "BENCHPOST_RECORDED_SET",
}


def _words(value) -> list[str]:
    # "-D benchpost_interpreters=cpython,pypy" arrives as a string
    if isinstance(value, str):
        return [w for w in value.replace(",", " ").split() if w]
    return [str(v) for v in value]
