"""Writing tiny export directories inline."""

from __future__ import annotations

import os
import socket
from pathlib import Path

MINIMAL = {
    "accounts": "account_id,created_at,plan,status\nA1,2024-01-01T10:00:00Z,free,active\n",
    "sessions": "session_id,account_id,started_at\nS1,A1,2024-02-01T10:00:00Z\n",
    "support_tickets": "ticket_id,account_id,channel,category,created_at\nT1,A1,email,bug,2024-02-02T10:00:00Z\n",
    "rights_requests": "request_id,account_id,right,channel,received_at\nR1,A1,access,email,2024-03-01T09:00:00Z\n",
}


def write_exports(directory: Path, overrides: dict[str, str | bytes | None] | None = None) -> Path:
    """A valid minimal export set, with some tables replaced (text/bytes) or removed (None)."""
    tables = {**MINIMAL, **(overrides or {})}
    directory.mkdir(parents=True, exist_ok=True)
    for name, content in tables.items():
        if content is None:
            continue
        path = directory / f"{name}.csv"
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8")
    return directory


def bind_socket(path: Path) -> None:
    """A Unix socket at ``path`` (closed at once, the file stays): an input that is not a regular file."""
    sock, here = socket.socket(socket.AF_UNIX), Path.cwd()
    os.chdir(path.parent)  # a socket's address is limited to about 100 bytes: bind the bare name
    try:
        sock.bind(path.name)
    finally:
        os.chdir(here)
        sock.close()
