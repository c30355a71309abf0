"""Errors that the CLI maps to exit codes: bad input (2) versus internal failure (1)."""


class BadInput(Exception):
    """The user's data, parameters or policy file are wrong; the message says where (exit code 2)."""


class PipelineFailure(Exception):
    """A stage failed for a reason that is not the input's fault (exit code 1)."""
