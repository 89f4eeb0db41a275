"""The SFTP target (paramiko): pinned host key, credentials from the environment or a key file.

Secrets are read at connect time from the variables publish.yaml *names* (key_env, password_env)
or from key_file; they are passed to paramiko and never formatted into a message or a log line.
The server's host key must equal the one pinned in publish.yaml: an unknown or changed key stops
the connection before any credential is sent.
"""
from __future__ import annotations

import base64
import io
import posixpath
import stat
from typing import BinaryIO

from pipeline.i18n import _
from pipeline.publish.config import PublishError, SftpTarget
from pipeline.publish.connection import Connection

TIMEOUT = 30.0


def _fingerprint(key) -> str:
    from pipeline.signoff.keys import blob_fingerprint

    return blob_fingerprint(key.asbytes())


def _private_key(target: SftpTarget, environ) -> object | None:
    import paramiko

    where = f"{target.name}: key_env {target.key_env}" if target.key_env else f"{target.name}: key_file {target.key_file}"
    try:
        if target.key_env:
            text = environ.get(target.key_env, "")
            if not text.strip():
                raise PublishError(_("{target}: the environment variable {variable} (key_env in publish.yaml) is not set "
                                     "or empty — set it to the private key text (a CI secret)", target=target.name,
                                     variable=target.key_env))
            for kind in (paramiko.Ed25519Key, paramiko.ECDSAKey, paramiko.RSAKey):
                try:
                    return kind.from_private_key(io.StringIO(text))
                except paramiko.SSHException:
                    continue
            raise PublishError(_("{where}: not an unencrypted OpenSSH or PEM private key (ed25519, ecdsa or rsa) — check "
                                 "the secret's value", where=where))
        if target.key_file:
            if not target.key_file.is_file():
                raise PublishError(_("{where}: no such file — put the private key there or fix key_file in publish.yaml",
                                     where=where))
            return paramiko.PKey.from_path(target.key_file)
    except paramiko.PasswordRequiredException:
        raise PublishError(_("{where}: the key is protected by a passphrase — use a key without one, kept as a CI secret",
                             where=where)) from None
    except (paramiko.SSHException, ValueError, OSError) as exc:
        raise PublishError(_("{where}: cannot load the private key ({reason}) — check the file", where=where,
                             reason=type(exc).__name__)) from None
    return None


class SftpConnection(Connection):
    def __init__(self, target: SftpTarget, environ):
        import paramiko

        self.name = target.name
        self.root = target.path
        pkey = _private_key(target, environ)
        password = None
        if target.password_env:
            password = environ.get(target.password_env)
            if not password and pkey is None:
                raise PublishError(_("{target}: the environment variable {variable} (password_env in publish.yaml) is not "
                                     "set — set it (a CI secret)", target=target.name, variable=target.password_env))
        kind, data = target.host_key.split()[:2]
        try:
            pinned = paramiko.PKey.from_type_string(kind, base64.b64decode(data))
        except Exception:  # noqa: BLE001 — paramiko raises several types (ValueError, SSHException, struct.error...) for a malformed blob
            raise PublishError(_("{target}: host_key in publish.yaml is not a valid {kind} key — copy it again from "
                                 "ssh-keyscan", target=target.name, kind=kind)) from None
        client = paramiko.SSHClient()
        host = target.host if target.port == 22 else f"[{target.host}]:{target.port}"
        client.get_host_keys().add(host, pinned.get_name(), pinned)
        client.set_missing_host_key_policy(paramiko.RejectPolicy())
        place = f"{target.name} ({target.user}@{target.host}:{target.port})"
        try:
            client.connect(target.host, target.port, username=target.user, pkey=pkey, password=password,
                           look_for_keys=False,
                           allow_agent=False, timeout=TIMEOUT, banner_timeout=TIMEOUT, auth_timeout=TIMEOUT)
            self.sftp = client.open_sftp()
        except paramiko.BadHostKeyException as exc:
            client.close()
            raise PublishError(_("{place}: the server's host key {offered} is not the pinned one {pinned} — do not publish "
                                 "until the server's admin confirms the key; then update host_key in publish.yaml",
                                 place=place, offered=_fingerprint(exc.key), pinned=_fingerprint(pinned))) from None
        except paramiko.AuthenticationException:
            client.close()
            raise PublishError(_("{place}: the server refused the credentials — check the key or password secret and the "
                                 "user name", place=place)) from None
        except (TimeoutError, paramiko.SSHException, OSError, EOFError) as exc:
            client.close()
            text = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
            if "not found in known_hosts" in text:
                text = _("the server offered no key of the pinned type {kind}", kind=kind)
            raise PublishError(_("{place}: cannot connect ({reason}) — check host, port and that the server runs SFTP",
                                 place=place, reason=text)) from None
        self.client = client
        try:
            self.sftp.stat(self.root)
        except FileNotFoundError:
            client.close()
            raise PublishError(_("{place}: the folder {folder} does not exist on the server — create it or fix 'path' in "
                                 "publish.yaml", place=place, folder=self.root)) from None

    def _path(self, rel: str) -> str:
        return posixpath.join(self.root, rel) if rel else self.root

    def size(self, rel: str) -> int | None:
        try:
            return self.sftp.stat(self._path(rel)).st_size
        except FileNotFoundError:
            return None

    def open_read(self, rel: str) -> BinaryIO:
        handle = self.sftp.open(self._path(rel), "rb")
        handle.prefetch()
        return handle

    def open_append(self, rel: str) -> BinaryIO:
        handle = self.sftp.open(self._path(rel), "ab")
        handle.set_pipelined(True)
        return handle

    def rename(self, src: str, dst: str) -> None:
        self.sftp.chmod(self._path(src), 0o644)
        self.sftp.posix_rename(self._path(src), self._path(dst))  # OpenSSH's extension: replaces dst atomically

    def remove(self, rel: str) -> None:
        try:
            self.sftp.remove(self._path(rel))
        except FileNotFoundError:
            pass

    def makedirs(self, rel_dir: str) -> None:
        current = self.root
        for part in [p for p in rel_dir.split("/") if p]:
            current = posixpath.join(current, part)
            try:
                if not stat.S_ISDIR(self.sftp.stat(current).st_mode):
                    raise PublishError(_("{target}: {path} on the server is a file, not a folder — remove it", target=self.name,
                                         path=current))
            except FileNotFoundError:
                self.sftp.mkdir(current)

    def listdir(self, rel_dir: str) -> list[str]:
        return sorted(self.sftp.listdir(self._path(rel_dir)))

    def close(self) -> None:
        self.client.close()
