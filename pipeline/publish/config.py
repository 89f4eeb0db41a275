"""publish.yaml: where approved bundles and the catalog go, read with every field located.

The file belongs to the school (publish.example.yaml shows every field). Secrets never live in it:
an SFTP target names the *environment variables* that hold a password or a private key, or a key
file, which must lie outside the repository. Every problem is collected and reported at once as
``publish.yaml:12:5: targets[1].port: ... — hint`` (the same style as lesson.yaml).
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from pipeline.errors import ConfigError, PipelineError
from pipeline.i18n import _
from pipeline.lesson.fields import INVALID, Field, Reader, choice, number, read_yaml, text
from pipeline.lesson.yamlnodes import Y

DEFAULT_CONFIG = "publish.yaml"
DEFAULT_LEDGER = "publish-ledger.json"
_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
_ENV = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


class PublishConfigError(ConfigError):
    """publish.yaml is invalid; carries every diagnostic found."""


class PublishError(PipelineError):
    """Publishing to a target failed (connection, authentication, host key, verification)."""


@dataclass(frozen=True)
class Site:
    title: str = "Lessons"
    description: str = ""
    language: str = "en"  # the catalog's own words (headings, labels); each lesson keeps its language


@dataclass(frozen=True)
class FolderTarget:
    name: str
    path: Path
    url: str = ""  # where the folder is served, for absolute links in the feeds


@dataclass(frozen=True)
class SftpTarget:
    name: str
    host: str
    port: int
    user: str
    path: str
    host_key: str  # "ssh-ed25519 AAAA..." as in known_hosts, without the host name
    key_file: Path | None = None
    key_env: str = ""
    password_env: str = ""
    url: str = ""

    def __repr__(self) -> str:  # what can appear in logs: no secrets are held here, only their places
        return f"SftpTarget({self.name!r}, {self.user}@{self.host}:{self.port}{self.path})"


Target = FolderTarget | SftpTarget


@dataclass(frozen=True)
class PublishConfig:
    file: Path
    site: Site
    targets: tuple[Target, ...]
    ledger: Path


def _env_name(reader: Reader, node: Y, path: str):
    value = text()(reader, node, path)
    if value is not INVALID and not _ENV.match(value):
        return reader.error(node, path, f"'{value}' is not an environment variable name",
                            "write the variable's name (e.g. MICROLEARN_SFTP_KEY), never the secret itself")
    return value


def _target_name(reader: Reader, node: Y, path: str):
    value = text()(reader, node, path)
    if value is not INVALID and not _NAME.match(value):
        return reader.error(node, path, f"'{value}' is not a usable target name",
                            "use lower-case letters, digits, '-' and '_'")
    return value


COMMON = {
    "name": Field(_target_name, required=True,
                  hint="add 'name: portal' (a short name used in the ledger and messages)"),
    "type": Field(text(), required=True, hint="add 'type: folder' or 'type: sftp'"),
    "url": Field(text(), default=""),
}
FOLDER = {**COMMON, "path": Field(text(), required=True,
                                  hint="add 'path: /mnt/share/lessons' (the folder the bundles go to)")}
SFTP = {
    **COMMON,
    "host": Field(text(), required=True, hint="add 'host: files.example.org'"),
    "port": Field(number(1, 65535, integer=True), default=22),
    "user": Field(text(), required=True, hint="add 'user: ...' (the account on the server)"),
    "path": Field(text(), required=True, hint="add 'path: /var/www/lessons' (the folder on the server)"),
    "host_key": Field(text(), required=True,
                      hint="pin the server's key: add 'host_key: ssh-ed25519 AAAA...' (from ssh-keyscan, checked with "
                           "the server's admin)"),
    "key_file": Field(text(), default=None),
    "key_env": Field(_env_name, default=""),
    "password_env": Field(_env_name, default=""),
}
TOP = {
    "site": Field(lambda r, n, p: n, default=None),
    "targets": Field(lambda r, n, p: n, required=True,
                     hint="add 'targets:' with at least one folder or sftp target (see publish.example.yaml)"),
    "ledger": Field(text(), default=DEFAULT_LEDGER),
}
SITE = {"title": Field(text(max_len=120), default="Lessons"), "description": Field(text(max_len=400), default=""),
        "language": Field(choice(("en", "ru", "ko"), {"kr": "ko", "korean": "ko", "russian": "ru", "english": "en"}), default="en")}
# Keys people reach for that must not exist: secrets in a committed file.
SECRET_KEYS = {"password", "passphrase", "private_key", "key", "secret", "token"}


def load_config(path: Path, project: Path) -> PublishConfig:
    """Read and check ``path`` (publish.yaml); relative paths are taken from ``project``.

    Raises PublishConfigError with every problem (the file read by ``fields.read_yaml``, as every
    config file), or PublishError when the file is missing.
    """
    label = _label(path, project)
    try:
        root, reader = read_yaml(path, label, PublishConfigError, _("add 'targets:' (see publish.example.yaml)"))
    except FileNotFoundError:
        raise PublishError(f"{label}: not found — copy publish.example.yaml to publish.yaml and fill in your targets "
                           "(docs/publishing.md)") from None
    top = reader.mapping(root, "", TOP)
    site = Site()
    if isinstance(top["site"], Y):
        values = reader.mapping(top["site"], "site", SITE)
        site = Site(values["title"] if values["title"] is not INVALID else "Lessons", values["description"] or "",
                    values["language"] if values["language"] is not INVALID else "en")
    targets = _targets(reader, top["targets"], project) if isinstance(top["targets"], Y) else []
    reader.check(PublishConfigError)
    ledger = Path(top["ledger"])
    return PublishConfig(path, site, tuple(targets), ledger if ledger.is_absolute() else project / ledger)


def _targets(reader: Reader, node: Y, project: Path) -> list[Target]:
    if node.kind != "seq" or not node.value:
        reader.error(node, "targets", "expected a list of targets",
                     "write '- name: share' / '  type: folder' / '  path: ...' (see publish.example.yaml)")
        return []
    found: list[Target] = []
    names: set[str] = set()
    for index, item in enumerate(node.value):
        where = f"targets[{index}]"
        if item.kind != "map":
            reader.error(item, where, "expected a mapping (name, type, path, ...)")
            continue
        for key, key_node in item.keys.items():
            if key.casefold() in SECRET_KEYS:
                reader.error(key_node, f"{where}.{key}", "secrets do not belong in publish.yaml (it is committed)",
                             "put the secret in an environment variable and name it with password_env or key_env, or "
                             "use key_file outside the repository")
        kind = item.value.get("type")
        kind_text = kind.value if kind is not None and kind.kind == "scalar" else ""
        if kind_text not in ("folder", "sftp"):
            if kind is not None:
                reader.error(kind, f"{where}.type", f"unknown target type '{kind_text}'",
                             "use 'folder' (a mounted share) or 'sftp'")
            else:
                reader.error(item, f"{where}.type", "is required", "add 'type: folder' or 'type: sftp'")
            continue
        secret_keys = {k for k in item.value if k.casefold() in SECRET_KEYS}
        if secret_keys:
            item = Y(item.kind, {k: v for k, v in item.value.items() if k not in secret_keys}, item.line, item.col,
                     {k: v for k, v in item.keys.items() if k not in secret_keys})
        values = reader.mapping(item, where, FOLDER if kind_text == "folder" else SFTP)
        if values["name"] is not INVALID and values["name"] in names:
            reader.error(item.value["name"], f"{where}.name", f"'{values['name']}' is used by two targets",
                         "give every target its own name")
        names.add(values["name"])
        if kind_text == "sftp":
            target = _sftp(reader, item, where, values, project)
            if target is not None:
                found.append(target)
            continue
        if INVALID not in values.values():
            folder = Path(values["path"]).expanduser()
            found.append(FolderTarget(values["name"],
                                      folder if folder.is_absolute() else project / folder, values["url"]))
    return found


def _sftp(reader: Reader, item: Y, where: str, values: dict, project: Path) -> SftpTarget | None:
    """An SftpTarget, or None after reporting what is wrong (each field checked that could be read)."""
    ok = INVALID not in values.values()
    parts = values["host_key"].split() if values["host_key"] is not INVALID else ["?", "?"]
    if len(parts) < 2 or not parts[0].startswith(("ssh-", "ecdsa-")):
        reader.error(item.value["host_key"], f"{where}.host_key",
                     "expected '<type> <base64>', e.g. 'ssh-ed25519 AAAA...'",
                     "copy the key part of `ssh-keyscan -t ed25519 <host>` (without the host name) and check it with "
                     "the server's admin")
        ok = False
    key_file = None
    if values["key_file"] and values["key_file"] is not INVALID:
        key_file = Path(os.path.expandvars(values["key_file"])).expanduser()
        key_file = key_file if key_file.is_absolute() else project / key_file
        if key_file.resolve().is_relative_to(project.resolve()):
            reader.error(item.value["key_file"], f"{where}.key_file",
                         "the key file is inside the repository, where it could be committed",
                         "keep it outside (e.g. ~/.ssh/microlearn_publish) or give the key in an environment variable "
                         "with key_env")
            ok = False
    if not (key_file or values["key_env"] or values["password_env"]):
        reader.error(item, where, "no credentials",
                     "add key_env (a variable holding the private key), key_file (outside the repository) or "
                     "password_env")
        ok = False
    if values["path"] is not INVALID and not values["path"].startswith("/"):
        reader.error(item.value["path"], f"{where}.path", f"'{values['path']}' is not an absolute path on the server",
                     "write the folder from the root, e.g. /var/www/lessons")
        ok = False
    if not ok:
        return None
    return SftpTarget(values["name"], values["host"], int(values["port"]), values["user"], values["path"].rstrip("/") or "/",
                      " ".join(parts[:2]), key_file, values["key_env"], values["password_env"], values["url"])


def _label(path: Path, project: Path) -> str:
    try:
        return str(path.resolve().relative_to(project.resolve()))
    except ValueError:
        return str(path)
