"""Reviewers' Ed25519 keys: made, read, and named by their OpenSSH fingerprint."""
from __future__ import annotations

import base64
import hashlib
import os
from pathlib import Path

from pipeline.i18n import _
from pipeline.errors import PipelineError


class ApprovalError(PipelineError):
    """An approval cannot be made (unlisted reviewer, author, failing check, bad key, not built)."""


def parse_public_key(text: str):
    """An Ed25519 public key from OpenSSH text (``ssh-ed25519 AAAA... comment``) or base64 of the
    32 raw bytes. Raises ValueError saying what was expected."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
    from cryptography.hazmat.primitives.serialization import load_ssh_public_key

    text = text.strip()
    if text.startswith("ssh-"):
        if text.split()[0] != "ssh-ed25519":
            raise ValueError(_("only ssh-ed25519 keys are accepted, not {kind}", kind=text.split()[0]))
        if len(text.split()) < 2:
            raise ValueError(_("the key itself (AAAA...) is missing after ssh-ed25519 — paste the whole line"))
        try:
            key = load_ssh_public_key(" ".join(text.split()[:2]).encode())
        except ValueError:  # cryptography says only "Invalid format" or "Invalid data"
            raise ValueError(_("the text after ssh-ed25519 is not a whole Ed25519 key — paste the line again, "
                               "unchanged")) from None
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError(_("not an Ed25519 key"))
        return key
    try:
        raw = base64.b64decode(text, validate=True)
    except ValueError:
        raise ValueError(_("expected 'ssh-ed25519 AAAA...' or the base64 of 32 raw key bytes")) from None
    if len(raw) != 32:
        raise ValueError(_("base64 decodes to {n} bytes, an Ed25519 public key has 32", n=len(raw)))
    return Ed25519PublicKey.from_public_bytes(raw)


def public_key_text(key) -> str:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.OpenSSH, PublicFormat.OpenSSH).decode()


def fingerprint(key) -> str:
    """``SHA256:...`` exactly as ``ssh-keygen -lf`` prints it for the same key."""
    return blob_fingerprint(base64.b64decode(public_key_text(key).split()[1]))


def blob_fingerprint(blob: bytes) -> str:
    """OpenSSH's ``SHA256:...`` fingerprint of a public key in its wire form (also for host keys)."""
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def generate_key(path: Path) -> str:
    """Write a new Ed25519 private key (OpenSSH format, mode 0600) and return its public key text
    (for reviewers.yaml). Refuses to overwrite an existing file."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    key = Ed25519PrivateKey.generate()
    data = key.private_bytes(Encoding.PEM, PrivateFormat.OpenSSH, NoEncryption())
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        raise ApprovalError(_("{path}: a file is already there — keygen never overwrites a key; choose another path", path=path)) from None
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    return public_key_text(key.public_key())


def load_private_key(path: Path):
    """The reviewer's Ed25519 private key (OpenSSH or PEM/PKCS8, not passphrase-protected)."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key, load_ssh_private_key

    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ApprovalError(_("{path}: cannot read the private key ({reason}) — give the file written by 'make keygen'",
                              path=path, reason=exc.strerror)) from None
    try:
        key = load_ssh_private_key(data, None) if b"OPENSSH PRIVATE KEY" in data else load_pem_private_key(data, None)
    except TypeError:
        raise ApprovalError(_("{path}: the key is protected by a passphrase, which is not supported — make a key with 'make keygen'", path=path)) from None
    except ValueError as exc:
        raise ApprovalError(_("{path}: not a private key ({reason}) — give the file written by 'make keygen'", path=path, reason=exc)) from None
    if not isinstance(key, Ed25519PrivateKey):
        raise ApprovalError(_("{path}: not an Ed25519 key — make one with 'make keygen' (or ssh-keygen -t ed25519)", path=path))
    return key
