"""``jiceng export catalogue FILE`` and ``jiceng export evaluation FILE.xlsx``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from jiceng.cases.catalogue import export_catalogue


def export_evaluation(path: Path, **options: Any) -> int:
    from jiceng.cases.evaluation import evaluate, write_xlsx

    rows = evaluate()
    write_xlsx(rows, Path(path))
    return len(rows)


EXPORTERS = {"catalogue": export_catalogue, "evaluation": export_evaluation}
