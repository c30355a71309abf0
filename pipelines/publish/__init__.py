"""The publish stage: a quarter staged, scanned and swapped into place (docs/operations.md, "Publishing").

- ``quarter``: the one publishing workflow of a run: stage, results, evidence, report, scan, swap, index;
- ``scan``: the privacy scan, the last check of every byte about to be published;
- ``swap``: the staging folder beside ``OUT/<Q>/`` and the atomic swap of the tool's own files.
"""
