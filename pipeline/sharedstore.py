"""The object store shared by machines: content-addressed files under a URL, through fsspec.

``MICROLEARN_CACHE=file:///mnt/cache``, ``sftp://builder@cache.example:22/srv/microlearn`` or
``s3://bucket/microlearn`` names it (Settings.cache reads it). The layout is the local store's
(``<key[:2]>/<key><suffix>``), plus one *seal* beside each object, ``<key><suffix>.sha256``,
holding the sha256 and size of the object's bytes:

- **write**: the bytes go to a temporary name unique to the writer, are renamed onto the final
  name (SFTP ``posix-rename``, ``os.replace`` on a folder, an S3 put is whole by itself), then the
  seal is written the same way. Two writers of one object write the same bytes (a key is the
  digest of everything the bytes depend on), so whichever rename lands last changes nothing; an
  object without its seal (a writer stopped between the two) is simply not there yet.
- **read**: the object is copied to a temporary file beside its local place, then hashed: it is
  kept only when hash and size are the seal's; a corrupt, partial or unsealed object is
  reported as missing, so the caller makes it again and writes it over the bad one.

Credentials never come from the repository: fsspec reads its options from the environment
(``FSSPEC_SFTP='{"key_filename": ...}'``, ``FSSPEC_S3_...``) or from ``~/.config/fsspec/`` on each
machine (docs/cluster.md); an SFTP server's host key is pinned with ``MICROLEARN_CACHE_HOST_KEY``.
"""
from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

from pipeline.errors import SetupError
from pipeline.i18n import _
from pipeline.fsutil import atomic_path, sha256_file

log = logging.getLogger("microlearn.cache")

SEAL = ".sha256"


@dataclass
class SharedStore:
    """Objects under ``url``; ``host_key`` pins an SFTP server's key ("ssh-ed25519 AAAA...")."""

    url: str
    host_key: str = ""
    _fs: object = field(default=None, repr=False, compare=False)
    _root: str = field(default="", repr=False, compare=False)
    _folders: set = field(default_factory=set, repr=False, compare=False)  # made already (SFTP walks every level)

    def __getstate__(self) -> dict:  # a worker opens its own connection, with its own credentials
        return {"url": self.url, "host_key": self.host_key, "_fs": None, "_root": "", "_folders": set()}

    @property
    def fs(self):
        if self._fs is None:
            self._fs, self._root = _open(self.url, self.host_key)
        return self._fs

    @property
    def root(self) -> str:
        self.fs  # noqa: B018 - opens the file system and learns the root
        return self._root

    @property
    def local_root(self) -> Path | None:
        """The folder itself when the store is a local folder (no copies needed to read it)."""
        return Path(self.root) if _is_local(self.fs) else None

    def remote(self, name: str) -> str:
        return f"{self.root.rstrip('/')}/{name}"

    def sealed(self, name: str) -> tuple[str, int] | None:
        """The (sha256, size) the seal of ``name`` promises, or None when there is no seal."""
        try:
            with self.fs.open(self.remote(name + SEAL), "rb") as handle:
                text = handle.read(200).decode("ascii", "replace").split()
            return (text[0], int(text[1])) if len(text) == 2 and len(text[0]) == 64 else None
        except (OSError, ValueError):
            return None
        except Exception as exc:  # a file system's own errors (a dropped connection) are not all OSErrors
            log.warning("shared cache: cannot read the seal of %s: %s", name, exc)
            return None

    def has(self, name: str, seal: tuple[str, int] | None = None) -> bool:
        """``name`` is sealed and its size is the seal's (cheap: no bytes read)."""
        seal = seal or self.sealed(name)
        if seal is None:
            return False
        try:
            return int(self.fs.info(self.remote(name))["size"]) == seal[1]
        except (OSError, KeyError, ValueError):
            return False

    def _folder(self, name: str) -> None:
        folder = self.remote(name).rpartition("/")[0]
        if folder not in self._folders:
            self.fs.makedirs(folder, exist_ok=True)
            self._folders.add(folder)

    def fetch(self, name: str, local: Path, expected: tuple[str, int] | None = None) -> bool:
        """Copy ``name`` to ``local`` (atomically) if it is there and its bytes are the sealed ones
        (and, given ``expected``, the seal is that sha256 and size)."""
        seal = self.sealed(name)
        if seal is None or (expected is not None and seal != expected):
            return False
        folder = self.local_root
        if folder is not None and (folder / name).resolve() == local.resolve():
            return self._verified(local, seal, name)  # this machine's store is the shared one
        try:
            with atomic_path(local) as tmp:
                self.fs.get_file(self.remote(name), str(tmp))  # SFTP: paramiko's prefetching get
                got = (sha256_file(tmp), tmp.stat().st_size)
                if got != seal:
                    raise _Corrupt(*got)
        except _Corrupt as bad:
            log.warning("shared cache: %s is damaged (sha256 %s, %d bytes; its seal says %s, %d bytes): "
                        "it is made again", name, bad.args[0][:12], bad.args[1], seal[0][:12], seal[1])
            return False
        except FileNotFoundError:
            return False
        return True

    def _verified(self, path: Path, seal: tuple[str, int], name: str) -> bool:
        try:
            good = path.stat().st_size == seal[1] and sha256_file(path) == seal[0]
        except OSError:
            return False
        if not good:
            log.warning("shared cache: %s is damaged (its bytes are not the sealed ones): it is made again", name)
        return good

    def read(self, name: str) -> bytes | None:
        """The bytes of a small object (a record), or None when it is not there whole and sealed."""
        seal = self.sealed(name)
        if seal is None:
            return None
        try:
            data = self.fs.cat_file(self.remote(name))
        except (OSError, ValueError):
            return None
        if (hashlib.sha256(data).hexdigest(), len(data)) != seal:
            log.warning("shared cache: %s is damaged (its bytes are not the sealed ones): it is made again", name)
            return None
        return data

    def put(self, name: str, data: bytes) -> None:
        """Put ``data`` under ``name``, then its seal (``publish`` for bytes in memory)."""
        self._put_bytes(name, data)
        self._put_bytes(name + SEAL, f"{hashlib.sha256(data).hexdigest()} {len(data)}\n".encode("ascii"))

    def publish(self, name: str, local: Path, sha256: str | None = None) -> None:
        """Put ``local`` under ``name``, then its seal; each through a unique temporary name.
        ``sha256``: the file's digest when the caller has it already (no second read)."""
        seal = f"{sha256 or sha256_file(local)} {local.stat().st_size}\n".encode("ascii")
        folder = self.local_root
        if folder is not None and (folder / name).resolve() == local.resolve():
            self._put_bytes(name + SEAL, seal)
            return
        self._put_file(name, local)
        self._put_bytes(name + SEAL, seal)

    def _temporary(self, name: str) -> str:
        head, _, tail = name.rpartition("/")
        return self.remote(f"{head}/.{tail}.{uuid.uuid4().hex[:12]}.tmp")

    def _put_file(self, name: str, local: Path) -> None:
        self._put(name, lambda tmp: self.fs.put_file(str(local), tmp))

    def _put_bytes(self, name: str, data: bytes) -> None:
        def write(tmp: str) -> None:
            with self.fs.open(tmp, "wb") as handle:
                handle.write(data)

        self._put(name, write)

    def _put(self, name: str, write: Callable[[str], None]) -> None:
        """``write`` the object to a unique temporary name, then rename it into place (removed on failure)."""
        tmp = self._temporary(name)
        self._folder(name)
        try:
            write(tmp)
            self.fs.mv(tmp, self.remote(name))
        except BaseException:
            with contextlib.suppress(Exception):
                self.fs.rm_file(tmp)
            raise


class _Corrupt(Exception):
    pass


def _is_local(fs) -> bool:
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return protocol in ("file", "local")


def _open(url: str, host_key: str):
    """(file system, root path) for a store URL; SetupError says what to install or fix."""
    try:
        import fsspec
        from fsspec.core import url_to_fs
    except ImportError:  # pragma: no cover - a pinned dependency
        raise SetupError(_("the shared cache needs fsspec — run 'make setup'")) from None
    options = {}
    if url.startswith(("sftp://", "ssh://")):
        logging.getLogger("paramiko").setLevel(logging.WARNING)  # its packet-level lines would drown a -v build log
        if host_key:
            options["host_key_policy"] = pinned_host_key(host_key)
    try:
        fs, root = url_to_fs(url, **options)
    except ImportError as exc:
        raise SetupError(_("MICROLEARN_CACHE={url}: this kind of store needs a package that is not installed ({error}) — "
                           "e.g. pip install s3fs for s3://", url=_safe(url), error=exc)) from None
    except ValueError as exc:
        raise SetupError(_("MICROLEARN_CACHE={url}: {error} — give a URL such as file:///mnt/cache or "
                           "sftp://user@host/srv/cache", url=_safe(url), error=exc)) from None
    except Exception as exc:  # the connection itself failed (refused, host key, credentials)
        raise SetupError(_("MICROLEARN_CACHE={url}: cannot open the shared cache ({error}) — check the address, the "
                           "credentials in FSSPEC_* or ~/.config/fsspec/, and MICROLEARN_CACHE_HOST_KEY (docs/cluster.md)",
                           url=_safe(url), error=f"{type(exc).__name__}: {exc}")) from None
    del fsspec
    if _is_local(fs):
        os.makedirs(root, exist_ok=True)
    return fs, root


def _safe(url: str) -> str:
    """The URL without a password, for messages."""
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password:
        netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
        return urlunsplit(parts._replace(netloc=netloc))
    return url


def pinned_host_key(line: str):
    """A paramiko missing-host-key policy that accepts exactly the key ``line`` (the client knows
    no other host keys, so every connection is judged here)."""
    import paramiko

    fields = line.split()
    if len(fields) < 2:
        raise SetupError(_("MICROLEARN_CACHE_HOST_KEY='{value}' is not a host key — give the line as ssh-keyscan "
                           "prints it without the host name, e.g. 'ssh-ed25519 AAAA...'", value=line))

    class Pinned(paramiko.MissingHostKeyPolicy):
        def missing_host_key(self, client, hostname, key) -> None:
            if key.get_name() != fields[0] or key.get_base64() != fields[1]:
                raise SetupError(_("the shared cache's SFTP server {host} presented another host key ({key}...) than "
                                   "MICROLEARN_CACHE_HOST_KEY — refusing to connect; check with the server's administrator",
                                   host=hostname, key=f"{key.get_name()} {key.get_base64()[:16]}"))

    return Pinned()
