"""Start Ralph's LRS API (uvicorn) on a loopback port, with its file backend appending statements.

Run with tests/lrs/venv's python: ``python tests/lrs/serve.py PORT``. Ralph's file backend writes
with its default operation (index), which creates its statements file and refuses to write to it
again, so its second statement would fail with a 500; its append operation is the one that keeps a
growing log, so the backend is told to use it. Everything else is Ralph as it ships.
"""
import sys

import uvicorn
from ralph.backends.data.base import BaseOperationType
from ralph.backends.lrs.fs import FSLRSBackend

FSLRSBackend.default_operation_type = BaseOperationType.APPEND

if __name__ == "__main__":
    uvicorn.run("ralph.api:app", host="127.0.0.1", port=int(sys.argv[1]), log_level="warning")
