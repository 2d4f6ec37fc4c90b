#!/usr/bin/env python3
"""Fit the model that chooses between trafilatura's balanced and precision candidates (engine/choose.py).

    .venv/bin/pip install scikit-learn   # only this script needs it; the engine reads the model with none
    .venv/bin/python scripts/fit_chooser.py ../shared/corpus/{aeb-dev,dirty-dev,trafeval-dev,dragnet-train} --write

Every page goes through `pipeline.prepare` (both candidates, cleaned as a clip would be); each candidate
is scored as `bench_quality.py` scores a clip, and the label is whether the precision candidate scores
higher (weighted by how much). Two models learn it: the chooser from both candidates, the gate from the
balanced one alone (it lets GATE_SHARE of the pages through to the second trafilatura run, besides
every clip shorter than `choose.SHORT_CLIP_CHARS`). A 5-fold
split stratified by set and label gives figures on pages the fit did not see, per set, beside balanced
alone, precision alone and the per-page best of the two (each the mean over SPLITS different 5-fold
splits: one split's figure moves by up to 0.002 with the split); then both models are fitted on every page and,
with `--write`, saved to server/tidyclip/engine/chooser_model.json.
`--rows FILE` keeps the pages' features and scores, to fit again without running the engine.
"""

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.ensemble import GradientBoostingClassifier
from sklearn.model_selection import StratifiedKFold

sys.path.insert(0, str(Path(__file__).resolve().parent))
import bench_quality  # noqa: E402  (a sibling script: its loading and scoring are the figures' definition)
from tidyclip.engine import choose  # noqa: E402
from tidyclip.engine.pipeline import prepare  # noqa: E402
from tidyclip.errors import BadInput  # noqa: E402

FOLDS = 5
#: Out-of-fold figures are the mean over this many 5-fold splits, each shuffled with its own seed.
SPLITS = 3
TREES, DEPTH, SEED = 100, 2, 0
#: The share of pages the gate's score lets through to the second trafilatura run (short clips go too).
GATE_SHARE = 0.15


def page_rows(folders: list[Path]) -> list[dict]:
    rows = []
    for folder in folders:
        for case in bench_quality.load_cases(folder):
            try:
                balanced, precise = prepare(case.html, case.url, both=True).candidates
            except BadInput:
                continue
            rows.append({"set": folder.name, "key": case.key, "features": choose.features(balanced, precise),
                         "gate_features": choose.own_features(balanced), "chars": len(balanced.text),
                         "same": balanced.text == precise.text,
                         "b": _scored(case, balanced.text), "p": _scored(case, precise.text)})
    return rows


def _scored(case: bench_quality.Case, text: str) -> dict:
    scores = bench_quality.Scores()
    f1 = bench_quality.score_page(scores, case, text)
    return {"f1": f1, "precision": scores.precisions, "recall": scores.recalls, "tp": scores.snippet_tp,
            "fp": scores.snippet_fp, "fn": scores.snippet_fn, "counted": scores.comments_counted,
            "leaked": scores.comments_leaked}


def set_figure(rows: list[dict], picks: list[str]) -> tuple[float, float]:
    """The set's F1 (snippet F on snippet sets) and comment leak, summed by bench_quality.Scores itself."""
    scores = bench_quality.Scores()
    for row, pick in zip(rows, picks, strict=True):
        score = row[pick]
        scores.precisions.extend(score["precision"])
        scores.recalls.extend(score["recall"])
        scores.snippet_tp += score["tp"]
        scores.snippet_fp += score["fp"]
        scores.snippet_fn += score["fn"]
        scores.comments_counted += score["counted"]
        scores.comments_leaked += score["leaked"]
    return scores.f1, scores.comment_leak


def labels(rows: list[dict], key: str = "features") -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """KEY's matrix, whether the precise candidate scores higher, and by how much (the weight)."""
    features = np.array([row[key] for row in rows])
    gain = np.array([row["p"]["f1"] - row["b"]["f1"] for row in rows])
    return features, (gain > 0).astype(int), np.abs(gain) + 1e-3


def fit(features: np.ndarray, label: np.ndarray, weight: np.ndarray) -> GradientBoostingClassifier:
    model = GradientBoostingClassifier(n_estimators=TREES, max_depth=DEPTH, random_state=SEED)
    return model.fit(features, label, sample_weight=weight)


def out_of_fold(rows: list[dict], split: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Each page's chooser log-odds and whether the gate lets it through, from models fitted on the other
    folds of the 5-fold split numbered SPLIT."""
    features, label, weight = labels(rows)
    gate_features = labels(rows, "gate_features")[0]
    strata = [f"{row['set']}:{value}" for row, value in zip(rows, label, strict=True)]
    scores, passed = np.zeros(len(rows)), np.zeros(len(rows), dtype=bool)
    for train, test in StratifiedKFold(FOLDS, shuffle=True, random_state=split).split(features, strata):
        scores[test] = fit(features[train], label[train], weight[train]).decision_function(features[test])
        gate = fit(gate_features[train], label[train], weight[train])
        threshold = gate_threshold(gate.decision_function(gate_features[train]))
        passed[test] = gate.decision_function(gate_features[test]) > threshold
    return scores, passed | (np.array([row["chars"] for row in rows]) < choose.SHORT_CLIP_CHARS)


def gate_threshold(scores: np.ndarray) -> float:
    return float(np.quantile(scores, 1 - GATE_SHARE))


def report(rows: list[dict], splits: list[tuple[np.ndarray, np.ndarray]]) -> str:
    """The table of figures per set, each the mean over SPLITS (the gate's column with its range)."""
    lines = ["| set | balanced | precision | chosen, every page | chosen, through the gate (pages let through) "
             "| best of two per page |", "|---|---|---|---|---|---|"]
    for name in dict.fromkeys(row["set"] for row in rows):
        index = [i for i, row in enumerate(rows) if row["set"] == name]
        subset = [rows[i] for i in index]
        best = ["p" if row["p"]["f1"] > row["b"]["f1"] else "b" for row in subset]
        per_split = []
        for scores, passed in splits:
            chosen = ["p" if scores[i] > 0 and not rows[i]["same"] else "b" for i in index]
            gated = [pick if passed[i] else "b" for pick, i in zip(chosen, index, strict=True)]
            per_split.append([set_figure(subset, picks)
                              for picks in (["b"] * len(subset), ["p"] * len(subset), chosen, gated, best)])
        figures = np.mean(per_split, axis=0)
        cells = [f"{f1:.4f}" + (f", leak {leak:.2%}" if any(row["b"]["counted"] for row in subset) else "")
                 for f1, leak in figures]
        gated_f1 = [split_figures[3][0] for split_figures in per_split]
        through = np.mean([passed[index].mean() for _, passed in splits])
        cells[3] += f" ({through:.0%}; {min(gated_f1):.4f} to {max(gated_f1):.4f})"
        lines.append(f"| {name} ({len(subset)}) | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def exported(model: GradientBoostingClassifier, features: np.ndarray) -> dict:
    """The model as plain numbers for `choose.score`, checked against scikit-learn's own answer."""
    trees = []
    for estimator in model.estimators_[:, 0]:
        tree = estimator.tree_
        trees.append({"feature": tree.feature.tolist(), "threshold": tree.threshold.tolist(),
                      "left": tree.children_left.tolist(), "right": tree.children_right.tolist(),
                      "value": [float(value[0][0]) for value in tree.value]})
    rate = model.learning_rate
    first = features[:1]
    init = float(model.decision_function(first)[0]
                 - rate * sum(estimator.predict(first)[0] for estimator in model.estimators_[:, 0]))
    return {"init": init, "rate": rate, "trees": trees}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("folders", nargs="*", type=Path)
    parser.add_argument("--rows", type=Path, help="read the pages' rows from here if it exists, else write them")
    parser.add_argument("--write", action="store_true", help="save the model fitted on every page")
    args = parser.parse_args(argv)
    if args.rows and args.rows.exists():
        rows = [json.loads(line) for line in args.rows.read_text(encoding="utf-8").splitlines()]
    else:
        rows = page_rows(args.folders)
        if args.rows:
            args.rows.write_text("".join(json.dumps(row) + "\n" for row in rows), encoding="utf-8")
    print(report(rows, [out_of_fold(rows, split) for split in range(SPLITS)]))
    features, label, weight = labels(rows)
    gate_features = labels(rows, "gate_features")[0]
    chooser, gate = fit(features, label, weight), fit(gate_features, label, weight)
    saved = {"chooser": exported(chooser, features), "gate": exported(gate, gate_features),
             "gate_threshold": gate_threshold(gate.decision_function(gate_features))}
    ours = np.array([choose.score(list(row), saved["chooser"]) for row in features])
    assert np.allclose(ours, chooser.decision_function(features), atol=1e-9), "exported model disagrees"
    print(f"fitted on all {len(rows)} pages; in-sample pages choosing precision: {int((ours > 0).sum())}")
    if args.write:
        choose.MODEL_PATH.write_text(json.dumps(saved, separators=(",", ":")) + "\n", encoding="utf-8")
        print(f"wrote {choose.MODEL_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
