"""Learner-model benchmark. Part 1: predicting answers on real data (ASSIST2009).

    python -m benchmarks.learner_model [--data DIR] [--skip-pybkt]

Fit on DIR/train.csv; on DIR/test.csv predict each answer from that learner's earlier
answers only. Beside ours, in the same run: the per-skill average and pyBKT (the standard
BKT implementation), which needs old numpy/pandas/scikit-learn and so runs in its own
virtual environment under benchmarks/.venvs/ (made on first use; fitting takes minutes).
Parts 2-4 of the learner-model issue (dropout risk, simulation, cost) are still to come.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import subprocess
import sys
import time
import venv
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from benchmarks.common import EVAL, console, table
from tutor.learner.mastery import KnowledgeModel, replay

Answer = tuple[str, str, bool]
PYBKT_VENV = Path(__file__).parent / ".venvs" / "pybkt"
PYBKT_REQUIREMENTS = ["numpy<2", "pandas<2.3", "scikit-learn<1.6", "pyBKT"]


def load(path: Path) -> list[Answer]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [(row["user_id"], row["skill_id"], row["correct"] == "1")
                for row in csv.DictReader(handle)]


def scores(truth: Sequence[bool], predicted: Sequence[float]) -> tuple[float, float, float]:
    from sklearn.metrics import roc_auc_score

    y = np.asarray(truth, dtype=float)
    p = np.asarray(predicted, dtype=float)
    return (float(roc_auc_score(y, p)), float(np.sqrt(np.mean((y - p) ** 2))),
            float(np.mean((p >= 0.5) == (y == 1))))


def ours(train: list[Answer], test: list[Answer]) -> tuple[tuple[float, float, float], float]:
    started = time.perf_counter()
    model = KnowledgeModel.fit(train)
    fit_seconds = time.perf_counter() - started
    predicted = [model.probability(skill, on_skill, overall)
                 for skill, on_skill, overall, _ in replay(test, model.prior)]
    return scores([c for _, _, c in test], predicted), fit_seconds


def per_skill_average(train: list[Answer], test: list[Answer]) -> tuple[float, float, float]:
    totals: dict[str, list[int]] = {}
    for _, skill, correct in train:
        totals.setdefault(skill, [0, 0])[0] += int(correct)
        totals[skill][1] += 1
    overall = sum(c for _, _, c in train) / len(train)
    predicted = [totals[s][0] / totals[s][1] if s in totals else overall for _, s, _ in test]
    return scores([c for _, _, c in test], predicted)


PYBKT_SCRIPT = """
import json, sys
import numpy as np, pandas as pd
from pyBKT.models import Model
from sklearn.metrics import roc_auc_score
train, test = (pd.read_csv(p) for p in sys.argv[1:3])
for frame in (train, test):
    frame["order_id"] = range(len(frame))
    frame["skill_name"] = frame["skill_id"].astype(str)
model = Model(seed=42, num_fits=1)
model.fit(data=train)
out = model.predict(data=test)  # its own row order: compare with the frame it returns
y, p = out["correct"].to_numpy(float), out["correct_predictions"].to_numpy(float)
print(json.dumps([roc_auc_score(y, p), float(np.sqrt(np.mean((y - p) ** 2))),
                  float(np.mean((p >= 0.5) == (y == 1)))]))
"""


def pybkt(data: Path) -> tuple[float, float, float] | None:
    python = PYBKT_VENV / "bin" / "python"
    if not python.exists():
        console.print("Making pyBKT's own environment (once)…")
        venv.create(PYBKT_VENV, with_pip=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *PYBKT_REQUIREMENTS],
                       check=True)
    done = subprocess.run([str(python), "-c", PYBKT_SCRIPT, str(data / "train.csv"),
                           str(data / "test.csv")], capture_output=True, text=True)
    if done.returncode != 0:
        console.print(f"[red]pyBKT failed:[/red] {done.stderr.strip().splitlines()[-1:]}")
        return None
    auc, rmse, accuracy = json.loads(done.stdout.strip().splitlines()[-1])
    return auc, rmse, accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=EVAL / "assist2009",
                        help="a folder with train.csv and test.csv (user_id,skill_id,...,correct)")
    parser.add_argument("--skip-pybkt", action="store_true")
    args = parser.parse_args()
    train, test = load(args.data / "train.csv"), load(args.data / "test.csv")
    console.print(f"{args.data.name}: {len(train):,} training answers, {len(test):,} test "
                  f"answers of {len({u for u, _, _ in test}):,} other learners")
    rows = []
    (auc, rmse, accuracy), fit_seconds = ours(train, test)
    rows.append([f"ours (monotone logistic, counts + recency; fit {fit_seconds:.0f} s)",
                 f"{auc:.4f}",
                 f"{rmse:.4f}", f"{accuracy:.4f}"])
    base = per_skill_average(train, test)
    rows.append(["per-skill average", *(f"{v:.4f}" for v in base)])
    if not args.skip_pybkt:
        started = time.perf_counter()
        anchor = pybkt(args.data)
        if anchor is not None:
            rows.append([f"pyBKT (BKT; {time.perf_counter() - started:.0f} s)",
                         *(f"{v:.4f}" for v in anchor)])
    table("Predicting each answer from the learner's earlier answers",
          ["model", "AUC", "RMSE", "accuracy"], rows)
    if not math.isfinite(auc):
        sys.exit(1)


if __name__ == "__main__":
    main()
