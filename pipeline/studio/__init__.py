"""The studio: a local web app that shows a lesson as it will ship while the teacher writes it.

``microlearn studio [LESSON]`` serves on 127.0.0.1 with a secret token in its address. Modules:
``server`` (HTTP, Server-Sent Events), ``workspace`` (validate and preview-build on every change),
``preview`` (the draft build graph), ``watch`` (the content folder), ``document`` with
``yamledit`` and ``scriptedit`` (the form to and from lesson.yaml and script.md), ``place``
(which field a message belongs to) and ``safety`` (token, loopback, paths, uploads).
Pages and their script live in ``templates/studio/``.
"""

from __future__ import annotations

import threading

from pipeline.i18n import _
from pipeline.settings import Settings


def serve(
    settings: Settings, lesson: str = "", port: int = 0, open_browser: bool = True, ready=None, token: str = ""
) -> None:
    """Run the studio until interrupted (or until ``ready(server)`` arranges a shutdown).

    Prints one line, the address with its token, on stdout; opens it in the browser unless told not
    to. ``lesson`` opens that lesson's page. Raises PipelineError when the port cannot be used.
    """
    from pipeline.build import discover
    from pipeline.errors import PipelineError
    from pipeline.studio.safety import new_token
    from pipeline.studio.server import StudioServer
    from pipeline.studio.watch import start_watching
    from pipeline.studio.workspace import Workspace

    workspace = Workspace(settings)
    if lesson and workspace.root(lesson) is None:
        raise PipelineError(
            _("studio: no lesson '{lesson}' in {folder} — name a folder that holds a lesson.yaml", lesson=lesson,
              folder=settings.content_dir)
        )
    try:
        server = StudioServer(port, workspace, token or new_token())
    except OSError as exc:
        raise PipelineError(
            _("studio: cannot listen on 127.0.0.1:{port} ({reason}) — choose another --port", port=port, reason=exc.strerror)
        ) from None
    stop = threading.Event()
    workspace.start()
    for root in discover(workspace.content_dir):
        workspace.touch(root.name)  # every lesson is validated; a lesson is preview-built once its page is opened
    if lesson:
        workspace.show(lesson)
    watcher = start_watching(workspace.content_dir, workspace.touch, stop)
    url = server.url(f"/lesson/{lesson}" if lesson else "/")
    print(url, flush=True)
    if open_browser:
        import webbrowser

        webbrowser.open(url)
    if ready is not None:
        ready(server)
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        server.closing.set()
        stop.set()
        workspace.stop()
        server.server_close()
        watcher.join(timeout=5)
