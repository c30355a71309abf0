"""Errors that the CLI maps to exit codes: bad input (2) versus internal failure (1)."""

import tomllib
from pathlib import Path


class BadInput(Exception):
    """The user's data, parameters or policy file are wrong; the message says where (exit code 2)."""


class PipelineFailure(Exception):
    """A stage failed for a reason that is not the input's fault (exit code 1)."""


def read_toml(path: Path, what: str) -> dict:
    """A user's TOML file (policy, column mapping); a missing or malformed file is bad input."""
    try:
        return tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BadInput(f"{path}: {what} not found") from None
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{path}: not valid TOML: {exc}") from None
