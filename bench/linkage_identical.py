"""Whether a change to record linkage left its results alone: the linker of an earlier commit and the
one in this tree, run on the same records (the bench's own data path: generate → import row check
→ address matching → ``link``), must give the same cluster, score and status of every record, the
same review pairs and ID conflicts in the same order, the same rooms filled in, and so the same
F1, precision, recall and room accuracy. CPU seconds of each are printed too.

    JICENG_ALLOW_DEV_KEY=1 .venv/bin/python -m bench.linkage_identical REV [N] [PROFILE ...]

REV: the earlier commit; N: records (20000 by default); profiles: default, alt, gen2 (default and alt
when none is given). Exits 1 when anything differs.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from bench.common import ROOT


def _records(n: int, profile: str, out: Path) -> Path:
    from bench import bench_registry

    path = bench_registry._prepare(n, profile, out)
    data = json.loads(path.read_text())
    data["kept"], _kept, _flagged = bench_registry._imported(data)
    path.unlink()
    saved = out / f"{profile}-{n}.json"
    saved.write_text(json.dumps(data, ensure_ascii=False))
    return saved


def run_linker(records_path: str, result_path: str) -> None:
    """In a child whose ``jiceng`` is the tree under test: link the saved records, keep the results."""
    import resource
    import time

    from bench import bench_registry
    from jiceng.registry import linkage

    data = json.loads(Path(records_path).read_text())

    def cpu() -> float:
        me, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
        return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime

    started = cpu()
    wall = time.perf_counter()
    records, _address_seconds, accuracy = bench_registry._features(data)
    result = linkage.link(records)
    cpu_seconds, wall_seconds = cpu() - started, time.perf_counter() - wall
    filled = linkage.fill_rooms(records, result)
    with_address = [(room, r[7]) for room, r in zip(filled, data["kept"], strict=True) if r[5]]
    out = {
        "cluster": result.cluster,
        "score": result.score,
        "status": result.status,
        "review_pairs": result.review_pairs,
        "id_conflicts": result.id_conflicts,
        "pairs_scored": result.pairs_scored,
        "rooms": filled,
        "quality": linkage.pairwise_quality(result.cluster, [r[6] for r in data["kept"]]),
        "room_accuracy_linked": sum(a == b for a, b in with_address) / max(len(with_address), 1),
        "room_accuracy": accuracy,
    }
    Path(result_path).write_text(json.dumps(out))  # floats as repr: read back exactly
    print(json.dumps({"cpu_seconds": cpu_seconds, "seconds": wall_seconds}))


def _child(tree: Path, records: Path, result: Path) -> dict[str, Any]:
    env = {
        **os.environ,
        "PYTHONPATH": f"{tree}{os.pathsep}{ROOT}",
        "DJANGO_SETTINGS_MODULE": "jiceng.settings",
    }
    code = (
        "import sys, django; django.setup(); from bench.linkage_identical import run_linker; "
        "run_linker(sys.argv[1], sys.argv[2])"
    )
    proc = subprocess.run(
        [sys.executable, "-c", code, str(records), str(result)],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return dict(json.loads(proc.stdout.strip().splitlines()[-1]))


def main(argv: list[str]) -> int:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "jiceng.settings")
    django.setup()
    rev = argv[0]
    n = int(argv[1]) if len(argv) > 1 else 20_000
    profiles = argv[2:] or ["default", "alt"]
    same = True
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        old_tree = work / "old"
        old_tree.mkdir()
        archive = subprocess.run(["git", "archive", rev, "jiceng"], cwd=ROOT, capture_output=True, check=True)
        subprocess.run(["tar", "-x", "-C", str(old_tree)], input=archive.stdout, check=True)
        for profile in profiles:
            records = _records(n, profile, work)
            timing = {}
            results = {}
            for label, tree in (("old", old_tree), ("new", ROOT)):
                path = work / f"{label}-{profile}-result.json"
                timing[label] = _child(tree, records, path)
                results[label] = json.loads(path.read_text())
            differing = [key for key in results["old"] if results["old"][key] != results["new"][key]]
            same = same and not differing
            q = results["new"]["quality"]
            print(
                f"{profile} {n}: {'identical' if not differing else 'DIFFERENT: ' + ', '.join(differing)}; "
                f"F1 {q['f1']:.6f} P {q['precision']:.6f} R {q['recall']:.6f} "
                f"room {results['new']['room_accuracy_linked']:.6f}; "
                f"CPU old {timing['old']['cpu_seconds']:.2f} s, new {timing['new']['cpu_seconds']:.2f} s"
            )
    return 0 if same else 1


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main(sys.argv[1:]))
