"""The report stage: from ``summary.json`` + ``tables/`` to the published quarter.

Rooms (docs/design.md, "Stages and rooms"):

- ``kit/``: what every section shares and no family owns: reading the results
  (``context``), reading the findings and their verdict codes (``verdicts``;
  the report never judges a promise: docs/report.md, "Findings"), the message catalogues
  (``words``), number and date formatting (``fmt``), page blocks (``blocks``),
  the chart theme and renderer (``theme``). No module here knows a family.
- ``sections/``: one module per family (``inactivity``, ``retention``,
  ``support``, ``rights``, ``quality``) holding the finding it shows
  (``FINDING``/``FINDINGS``), its page section (``section``) and its charts
  (each names the table it draws), plus ``overview`` (title, overall verdict,
  findings table, KPI tiles, about).
- ``outline``: which sections, charts, tiles and notebooks a policy's report has (those of a kind of rule only
  with such a rule: docs/report.md, "The report follows the policy").
- ``nb``: the few calls a notebook makes.
- publishing: ``execute`` and ``kernel`` (papermill on this Python),
  ``export`` and ``templates/`` (offline HTML), ``index`` (``reports/index.html``),
  ``build`` (run every notebook, publish atomically).
"""
