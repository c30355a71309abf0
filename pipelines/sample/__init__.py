"""Synthetic, deterministic exports of the seven contract tables (see :mod:`pipelines.sample.generate`)."""

from pipelines.sample.generate import write_sample

__all__ = ["write_sample"]
