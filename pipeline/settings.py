"""Build-wide settings, resolved once when a command starts and passed in; no stage reads the environment.

``Settings.from_environment`` is the one place that reads ``MICROLEARN_PORTAL_LIMIT``,
``MICROLEARN_TEMPLATES`` and the lesson budgets ``MICROLEARN_LESSON_TIMEOUT`` and
``MICROLEARN_CHILD_MEMORY_MB`` (pipeline/limits.py). (The ffmpeg and espeak-ng gateways find their binaries themselves, lazily,
with ``MICROLEARN_FFMPEG`` as the override: a machine fact, never part of a lesson's bytes beyond the
tool versions every cache key already holds.)
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Mapping

from pipeline.errors import PipelineError
from pipeline.i18n import _
from pipeline.limits import CHILD_MEMORY_VARIABLE, DEFAULT_CHILD_MEMORY_MB, DEFAULT_LESSON_SECONDS, LESSON_SECONDS_VARIABLE
from pipeline.templates import default_templates

LIMIT_VARIABLE = "MICROLEARN_PORTAL_LIMIT"
TEMPLATES_VARIABLE = "MICROLEARN_TEMPLATES"
CACHE_VARIABLE = "MICROLEARN_CACHE"  # the shared object store's URL (pipeline/sharedstore.py)
CACHE_HOST_KEY_VARIABLE = "MICROLEARN_CACHE_HOST_KEY"  # an SFTP store's host key, pinned
SCHEDULER_VARIABLE = "MICROLEARN_SCHEDULER"  # a Dask scheduler's address (pipeline/executors.py)
EXECUTOR_VARIABLE = "MICROLEARN_EXECUTOR"  # local | processes
EXECUTORS = ("local", "processes")
DEFAULT_LIMIT = 500 * 1000 * 1000  # 500 MB: Canvas's per-file upload limit, a common PHP setting for Moodle
_UNITS = {"": 1, "B": 1, "KB": 1000, "MB": 1000**2, "GB": 1000**3, "KIB": 1024, "MIB": 1024**2, "GIB": 1024**3}


class SettingError(PipelineError):
    """A setting given in the environment cannot be understood."""


@dataclass(frozen=True)
class Settings:
    """What every stage may read besides the lesson; a stage puts what its bytes depend on into its params."""

    content_dir: Path
    build_dir: Path
    jobs: int = 1
    caption_check: bool = True
    portal_limit: int = DEFAULT_LIMIT  # bytes a bundle (and each video) may have on the portal
    templates: Path = field(default_factory=default_templates)  # card themes, report, player, scaffold
    lesson_seconds: float = DEFAULT_LESSON_SECONDS  # a lesson's time budget (pipeline/limits.py)
    child_memory_mb: int = DEFAULT_CHILD_MEMORY_MB  # the address space each ffmpeg/espeak-ng child may use
    cache: str = ""  # the shared object store's URL ("": this build folder's store only)
    cache_host_key: str = ""  # the SFTP store's host key ("ssh-ed25519 AAAA...")
    scheduler: str = ""  # a Dask scheduler (tcp://host:8786): segments are encoded on its workers
    executor: str = "local"  # "local" (this process) or "processes" (a pool of local worker processes)
    workers: int = 0  # worker processes for "processes" (0: the number of cores)

    @classmethod
    def from_environment(cls, content_dir: Path, build_dir: Path, jobs: int = 1,
                         environ: Mapping[str, str] | None = None, scheduler: str = "", executor: str = "",
                         workers: int = 0) -> Settings:
        """Settings for this machine; raises SettingError for a value that cannot be understood.
        ``scheduler`` and ``executor`` (the command line's) win over the environment's."""
        environ = os.environ if environ is None else environ
        limit = environ.get(LIMIT_VARIABLE, "").strip()
        templates = environ.get(TEMPLATES_VARIABLE, "").strip()
        executor = executor or environ.get(EXECUTOR_VARIABLE, "").strip() or "local"
        if executor not in EXECUTORS:
            raise SettingError(_("{variable}: '{value}' is not an executor — use one of {choices} "
                                 "(or --scheduler tcp://host:8786 for a Dask cluster)",
                                 variable=EXECUTOR_VARIABLE, value=executor, choices=", ".join(EXECUTORS)))
        scheduler = scheduler or environ.get(SCHEDULER_VARIABLE, "").strip()
        cache = environ.get(CACHE_VARIABLE, "").strip()
        if cache and "://" not in cache:
            raise SettingError(_("{variable}: '{value}' is not a URL — write file:///mnt/cache, "
                                 "sftp://user@host/srv/cache or s3://bucket/cache", variable=CACHE_VARIABLE, value=cache))
        return cls(content_dir, build_dir, jobs,
                   cache=cache, cache_host_key=environ.get(CACHE_HOST_KEY_VARIABLE, "").strip(),
                   scheduler=scheduler, executor=executor, workers=max(0, workers),
                   portal_limit=parse_size(limit, LIMIT_VARIABLE) if limit else DEFAULT_LIMIT,
                   templates=Path(templates) if templates else default_templates(),
                   lesson_seconds=_positive(environ, LESSON_SECONDS_VARIABLE, DEFAULT_LESSON_SECONDS),
                   child_memory_mb=int(_positive(environ, CHILD_MEMORY_VARIABLE, DEFAULT_CHILD_MEMORY_MB)))


def _positive(environ: Mapping[str, str], variable: str, default: float) -> float:
    text = environ.get(variable, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = 0
    if value <= 0:
        raise SettingError(_("{variable}: '{text}' is not a positive number — e.g. {variable}={default}", variable=variable,
                             text=text, default=f"{default:g}"))
    return value


def parse_size(text: str, where: str) -> int:
    """'500MB', '2 GB', '750MiB' or a number of bytes -> bytes."""
    match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*([KMG]i?B|B)?\s*", text, re.IGNORECASE)
    if not match or float(match.group(1)) <= 0:
        raise SettingError(_("{where}: '{text}' is not a size — write it like 500MB, 2GB or 750MiB", where=where, text=text))
    return int(float(match.group(1)) * _UNITS[(match.group(2) or "").upper()])


def interface_language() -> str:
    """The language of messages from this process's environment: MICROLEARN_LANG, then the locale
    (pipeline/i18n.py reads the variables; the environment is read here, as every other setting)."""
    from pipeline.i18n import locale_language

    return locale_language(os.environ)
