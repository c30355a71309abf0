"""What pyproject.toml cannot say: the top-level ``notebooks/`` folder ships as ``pipelines.notebooks``.

Analysts in a checkout open ``notebooks/``; an installed wheel finds the same
files as package data of ``pipelines.notebooks`` (``pipelines/report/build.py``,
``default_notebooks_dir``). One folder, mapped at build time: there is no copy
to keep in step (docs/design.md, "Packaging"). Everything else is in pyproject.toml.
"""

from setuptools import find_namespace_packages, setup

setup(
    # namespace packages too: pipelines/load/sql, pipelines/policies, ... hold only data files
    packages=find_namespace_packages(include=["pipelines", "pipelines.*"], exclude=["*.__pycache__"])
    + ["pipelines.notebooks"],
    package_dir={"pipelines.notebooks": "notebooks"},
)
