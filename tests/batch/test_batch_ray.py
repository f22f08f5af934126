"""`promptocr batch --ray`: a real local Ray cluster (ray.init(num_cpus=2)) runs Ray Data actors
that hold the real models; one actor dies mid-run and every page is still written exactly once."""

from __future__ import annotations

import json
import os
import sys
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import ray

from promptocr import synth
from promptocr.batch import RESULTS, BatchConfig, RayPageWorker, WorkItem, run_batch

# The workers cannot import this test module by name: ship the class by value.
ray.cloudpickle.register_pickle_by_value(sys.modules[__name__])


class CrashOnceWorker(RayPageWorker):
    """Kills its own actor process the first time it meets a file named crash*, leaving a
    marker file so the retried item (on the restarted actor) goes through."""

    def process(self, item: WorkItem) -> dict[str, Any]:
        src = Path(item.source)
        if src.name.startswith("crash"):
            marker = src.with_suffix(".crashed")
            if not marker.exists():
                marker.write_text(str(os.getpid()))
                os._exit(1)
        return super().process(item)


@pytest.fixture(scope="module")
def ray_cluster() -> Any:
    ray.init(
        num_cpus=2,
        object_store_memory=150 * 1024 * 1024,
        include_dashboard=False,
        log_to_driver=False,
    )
    yield ray
    ray.shutdown()


def make_inputs(root: Path) -> dict[str, int]:
    """Five numbered images (one of them the crash trigger) and a 3-page PDF."""
    root.mkdir()
    expect: dict[str, int] = {}
    for n in (1, 2, 3, 4):
        synth.numbered_page(n).image.save(root / f"page{n}.png")
        expect[f"page{n}.png:1"] = n
    synth.numbered_page(5).image.save(root / "crash.png")
    expect["crash.png:1"] = 5
    pdf = synth.pdf_from_images([synth.numbered_page(n).image for n in (6, 7, 8)])
    (root / "doc.pdf").write_bytes(pdf)
    for i, n in enumerate((6, 7, 8), start=1):
        expect[f"doc.pdf:{i}"] = n
    return expect


def test_ray_batch_survives_an_actor_death_exactly_once(ray_cluster: Any, tmp_path: Path) -> None:
    expect = make_inputs(tmp_path / "in")
    out = tmp_path / "out"
    config = BatchConfig(format="text", threads=1)
    report = run_batch(
        [str(tmp_path / "in")],
        out,
        config,
        workers=2,
        use_ray=True,
        progress=False,
        actor_cls=CrashOnceWorker,
    )
    assert (tmp_path / "in" / "crash.crashed").exists(), "the actor never died"
    records = [json.loads(line) for line in (out / RESULTS).read_text().splitlines()]
    keys = Counter(r["key"] for r in records)
    assert all(c == 1 for c in keys.values()), keys
    got = {f"{Path(r['source']).name}:{r['page']}": r for r in records}
    assert set(got) == set(expect)
    for name, n in expect.items():
        rec = got[name]
        assert rec["status"] == "ok", rec
        assert f"page number {n}" in rec["text"], (name, rec["text"])
    assert report.ok == len(expect) and report.error == 0
    assert len(list((out / "pages").glob("*.txt"))) == len(expect)

    # Rerunning over the same output finds nothing left to do.
    again = run_batch([str(tmp_path / "in")], out, config, workers=2, use_ray=True, progress=False)
    assert again.skipped == len(expect) and again.ok == 0
    assert len((out / RESULTS).read_text().splitlines()) == len(expect)
