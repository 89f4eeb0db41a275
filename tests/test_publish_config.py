"""publish.yaml: every problem reported at once, located, with a way to fix it; secrets refused."""
from __future__ import annotations

import textwrap
from pathlib import Path

import pytest
from conftest import ROOT

from pipeline.publish.config import (
    FolderTarget,
    PublishConfigError,
    PublishError,
    SftpTarget,
    load_config,
)

HOST_KEY = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOn8HcSOHg/VV7FngZDcDm8LwEF7Q/bDlXztGf3YWgVG"


def _load(tmp_path: Path, text: str):
    path = tmp_path / "publish.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return load_config(path, tmp_path)


def test_reads_both_target_kinds(tmp_path):
    config = _load(tmp_path, f"""\
        site:
          title: Lessons of the network
        targets:
          - name: share
            type: folder
            path: out/share
            url: https://lessons.example.org/
          - name: portal
            type: sftp
            host: files.example.org
            user: microlearn
            path: /var/www/lessons/
            host_key: {HOST_KEY} files.example.org
            key_env: MICROLEARN_SFTP_KEY
        """)
    assert config.site.title == "Lessons of the network"
    assert config.ledger == tmp_path / "publish-ledger.json"
    assert config.targets == (
        FolderTarget("share", tmp_path / "out/share", "https://lessons.example.org/"),
        SftpTarget("portal", "files.example.org", 22, "microlearn", "/var/www/lessons", HOST_KEY, None,
                   "MICROLEARN_SFTP_KEY", "", ""),
    )


def test_every_problem_at_once_with_place_and_fix(tmp_path):
    with pytest.raises(PublishConfigError) as caught:
        _load(tmp_path, """\
            targets:
              - name: portal
                type: sftp
                host: files.example.org
                port: 70000
                user: microlearn
                path: var/www
                host_key: AAAA
                password: hunter2
                key_file: keys/publish.key
              - name: portal
                type: ftp
              - name: share
                type: folder
                pth: /mnt/share
            """)
    assert str(caught.value).splitlines() == [
        "publish.yaml:5:11: targets[0].port: 70000 is outside 1 to 65535 — write a whole number from 1 to 65535",
        "publish.yaml:7:11: targets[0].path: 'var/www' is not an absolute path on the server — write the folder from "
        "the root, e.g. /var/www/lessons",
        ("publish.yaml:8:15: targets[0].host_key: expected '<type> <base64>', e.g. 'ssh-ed25519 AAAA...' — copy the "
         "key part of "
         "`ssh-keyscan -t ed25519 <host>` (without the host name) and check it with the server's admin"),
        ("publish.yaml:9:5: targets[0].password: secrets do not belong in publish.yaml (it is committed) — put the "
         "secret in an environment "
         "variable and name it with password_env or key_env, or use key_file outside the repository"),
        ("publish.yaml:10:15: targets[0].key_file: the key file is inside the repository, where it could be committed — "
         "keep it outside (e.g. ~/.ssh/microlearn_publish) or give the key in an environment variable with key_env"),
        "publish.yaml:12:11: targets[1].type: unknown target type 'ftp' — use 'folder' (a mounted share) or 'sftp'",
        "publish.yaml:15:5: targets[2].pth: unknown key 'pth' — did you mean 'path'?",
    ]
    assert "hunter2" not in str(caught.value)


def test_key_file_inside_the_repository_is_refused(tmp_path):
    with pytest.raises(PublishConfigError) as caught:
        _load(tmp_path, f"""\
            targets:
              - name: portal
                type: sftp
                host: files.example.org
                user: microlearn
                path: /var/www/lessons
                host_key: {HOST_KEY}
                key_file: keys/publish.key
            """)
    assert str(caught.value) == ("publish.yaml:8:15: targets[0].key_file: the key file is inside the repository, where "
                                 "it could be committed — "
                                 "keep it outside (e.g. ~/.ssh/microlearn_publish) or give the key in an environment "
                                 "variable with key_env")


def test_env_names_not_secrets(tmp_path):
    with pytest.raises(PublishConfigError) as caught:
        _load(tmp_path, f"""\
            targets:
              - name: portal
                type: sftp
                host: files.example.org
                user: microlearn
                path: /var/www/lessons
                host_key: {HOST_KEY}
                password_env: "correct horse battery staple"
            """)
    assert str(caught.value) == ("publish.yaml:8:19: targets[0].password_env: 'correct horse battery staple' is not an "
                                 "environment variable name — "
                                 "write the variable's name (e.g. MICROLEARN_SFTP_KEY), never the secret itself")


def test_missing_file_says_how_to_start(tmp_path):
    with pytest.raises(PublishError) as caught:
        load_config(tmp_path / "publish.yaml", tmp_path)
    assert str(caught.value) == "publish.yaml: not found — copy publish.example.yaml to publish.yaml and fill in your targets (docs/publishing.md)"


def test_the_example_file_is_valid(tmp_path):
    config = load_config(ROOT / "publish.example.yaml", tmp_path)
    assert [t.name for t in config.targets] == ["share", "portal"]


def test_catalog_language(tmp_path):
    base = "site:\n  title: Уроки\n  language: {}\ntargets:\n  - name: share\n    type: folder\n    path: out\n"
    assert _load(tmp_path, base.format("ru")).site.language == "ru"
    assert _load(tmp_path, base.replace("  language: {}\n", "")).site.language == "en"
    with pytest.raises(PublishConfigError) as caught:
        _load(tmp_path, base.format("fr"))
    assert [str(d) for d in caught.value.diagnostics] == [
        "publish.yaml:3:13: site.language: 'fr' is not one of en, ru, ko — did you mean 'ru'? write one of: en, ru, ko"]
