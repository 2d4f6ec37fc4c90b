"""kill -9 at random moments under mixed POST/PATCH/DELETE/import/reclean from 8 clients: every
acknowledged write kept with its final value, no refused write carried out, indexes consistent, a
clean restart. A few rounds here; `scripts/bench_store.py --faults` runs 30 (tests/fault_rounds.py)."""

from fault_rounds import run_rounds


def test_kill_9_under_mixed_writes_breaks_no_promise(tmp_path):
    problems = run_rounds(tmp_path / "data", rounds=3, seed=5)
    assert problems == []
