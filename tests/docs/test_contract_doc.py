"""docs/contract.md states the export schema users rely on: it must match pipelines/contract.py."""

import re
from pathlib import Path

from pipelines.contract import TABLES

DOC = Path(__file__).resolve().parents[2] / "docs" / "contract.md"


def documented_columns() -> dict[str, list[tuple[str, str, bool]]]:
    """table -> [(column, type, required)] from the doc's schema table."""
    tables: dict[str, list[tuple[str, str, bool]]] = {}
    current = None
    for line in DOC.read_text(encoding="utf-8").splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 5 or cells[0] == "table" or set(cells[0]) <= {"-"} and cells[1].startswith("-"):
            continue
        if cells[0]:
            current = re.sub(r"\s*\(.*\)$", "", cells[0])
        kind = cells[2].split(" ")[0]
        tables.setdefault(current, []).append((cells[1], kind, cells[3] == "yes"))
    return tables


def test_every_contract_column_is_documented_with_its_type_and_requiredness():
    expected = {
        name: [(c.name, c.type, c.required) for c in table.columns] for name, table in TABLES.items()
    }
    assert documented_columns() == expected


def test_the_doc_states_the_readings_in_order():
    text = DOC.read_text(encoding="utf-8")
    section = text.split("## 5. Readings", 1)[1]
    numbers = [int(n) for n in re.findall(r"^(\d+)\. ", section, flags=re.M)]
    # the nineteen readings, then those settled after the auditor's review (20-24), reading 23 among them
    assert numbers[:19] == list(range(1, 20))
    assert numbers[19:] == sorted(set(numbers[19:])) and set(numbers[19:]) <= set(range(20, 25))
    assert 23 in numbers
