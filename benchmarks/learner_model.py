"""Learner-model benchmark: predicting answers (ASSIST2009) and dropout risk (KDD Cup 2015).

    python -m benchmarks.learner_model [--data DIR] [--risk-data DIR] [--skip-pybkt]

Fit on DIR/train.csv; on DIR/test.csv predict each answer from that learner's earlier
answers only. Beside ours, in the same run: the per-skill average and pyBKT (the standard
BKT implementation), which needs old numpy/pandas/scikit-learn and so runs in its own
virtual environment under benchmarks/.venvs/ (made on first use; fitting takes minutes).
Risk: train on all courses but one, test on that one, rotate; each model's regularisation is
chosen by cross-validation across its training courses. Simulation: tutorbot's learning path
and question choice against a teacher's sensible orders, with learners that follow another
model than the tutor's (rules in benchmarks/learner_simulation.py). Cost: one
answer's turn with 10,000 learners and 1M answers stored, on SQLite and on PostgreSQL
(skipped with a note when no server is reachable), against a 100-learner baseline.
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
import zlib
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.common import EVAL, console, table
from tutor.learner.items import AnswerRow, calibrate_items
from tutor.learner.mastery import DEFAULT, KnowledgeModel, replay, sigmoid
from tutor.learner.risk import PRIOR_PATH, RiskModel

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


@dataclass(frozen=True)
class Ours:
    every: tuple[float, float, float]  # AUC, RMSE, accuracy on every test answer
    first: tuple[float, float, float]  # on each learner's first answer on a skill
    fit_seconds: float


def ours(train: list[Answer], test: list[Answer]) -> Ours:
    """Fitted on train; each test answer predicted from the learner's earlier ones. The
    first answers on a skill are what a course where each skill is met once would see."""
    started = time.perf_counter()
    model = KnowledgeModel.fit(train)
    fit_seconds = time.perf_counter() - started
    predicted, first = [], []
    for skill, on_skill, overall, correct in replay(test, model.prior):
        predicted.append(p := model.probability(skill, on_skill, overall))
        if not on_skill.correct + on_skill.wrong:
            first.append((p, correct))
    return Ours(scores([c for _, _, c in test], predicted),
                scores([c for _, c in first], [p for p, _ in first]), fit_seconds)


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


# -- risk of dropping out ----------------------------------------------------------------

EVENTS = ("event_access", "event_discussion", "event_navigate", "event_page_close",
          "event_problem", "event_video", "event_wiki")
C_GRID = (0.01, 0.1, 1.0, 10.0)


@dataclass
class Course:
    name: str
    counts: np.ndarray  # enrollments x days x event types
    dropped: np.ndarray


def load_courses(folder: Path) -> list[Course]:
    courses = []
    for labels_path in sorted(folder.glob("course*_labels.csv")):
        name = labels_path.name.removesuffix("_labels.csv")
        with labels_path.open(newline="") as handle:
            labels = {r["enrollment_id"]: int(r["dropout"]) for r in csv.DictReader(handle)}
        days: dict[str, list[tuple[str, list[int]]]] = {}
        with (folder / f"{name}_activity.csv").open(newline="") as handle:
            for row in csv.DictReader(handle):
                days.setdefault(row["enrollment_id"], []).append(
                    (row["time"], [int(row[e]) for e in EVENTS]))
        ids = sorted(labels)
        counts = np.array([[v for _, v in sorted(days.get(i, []))] for i in ids], dtype=float)
        courses.append(Course(name, counts, np.array([labels[i] for i in ids])))
    return courses


def _raw(counts: np.ndarray) -> np.ndarray:
    return np.asarray(np.log1p(counts.reshape(len(counts), -1)))


def _simple(counts: np.ndarray) -> np.ndarray:
    daily = counts.sum(axis=2)
    active = daily > 0
    n = daily.shape[1]
    since = np.array([n - 1 - np.flatnonzero(a)[-1] if a.any() else n for a in active])
    extra = np.column_stack([since, active.sum(1), daily[:, -7:].sum(1), active[:, -14:].sum(1)])
    return np.column_stack([_raw(counts), np.log1p(extra)])


class _Baseline:
    """A plain logistic regression on log1p features (log1p scored higher than raw counts)."""

    def __init__(self, features: Any) -> None:
        self.features = features

    def fit(self, courses: list[Course], c: float) -> Any:
        from sklearn.linear_model import LogisticRegression

        x = np.vstack([self.features(k.counts) for k in courses])
        y = np.concatenate([k.dropped for k in courses])
        fitted = LogisticRegression(C=c, max_iter=5000).fit(x, y)
        return lambda counts: fitted.predict_proba(self.features(counts))[:, 1]


class _Ours:
    def fit(self, courses: list[Course], c: float) -> Any:
        histories = [h for k in courses for h in k.counts.sum(axis=2)]
        model = RiskModel.fit(histories, [d for k in courses for d in k.dropped], c=c)
        return lambda counts: np.array([model.risk(h) for h in counts.sum(axis=2)])


def _auc(predict: Any, course: Course) -> float:
    from sklearn.metrics import roc_auc_score

    return float(roc_auc_score(course.dropped, predict(course.counts)))


def _choose_c(model: Any, courses: list[Course]) -> float:
    """The C with the best mean AUC when each course is held out from the others in turn."""
    def held_out(c: float) -> float:
        return float(np.mean([_auc(model.fit([k for k in courses if k is not v], c), v)
                              for v in courses]))

    return max(C_GRID, key=held_out)


def _held_out(model: Any, train: list[Course], test: Course) -> float:
    """Choose C within the training courses only, then test on the held-out one."""
    return _auc(model.fit(train, _choose_c(model, train)), test)


def risk_rows(folder: Path) -> list[list[str]]:
    courses = load_courses(folder)
    models = {"ours (activity features, type-agnostic)": _Ours(),
              "LR on the raw 30-day counts": _Baseline(_raw),
              "LR on simple activity features + counts": _Baseline(_simple)}
    rows = []
    for name, model in models.items():
        aucs = [_held_out(model, [k for k in courses if k is not test], test)
                for test in courses]
        rows.append([name, *(f"{a:.4f}" for a in aucs), f"{np.mean(aucs):.4f}"])
    return [["held-out course", *(k.name for k in courses), "mean"], *rows]


ALERT_AT = 0.8  # the alert threshold issue 14 proposes as the default
RISKIEST = 0.10  # or: alert the riskiest tenth of a course


def _quiet_days(daily: np.ndarray) -> np.ndarray:
    active = daily > 0
    n = daily.shape[1]
    return np.array([n - 1 - np.flatnonzero(a)[-1] if a.any() else n for a in active])


def _alerting(alerted: np.ndarray, dropped: np.ndarray) -> list[str]:
    """Share alerted, precision (alerted who then dropped out), recall (dropouts alerted)."""
    hits = int((alerted & dropped).sum())
    return [f"{alerted.mean():.1%}", f"{hits / max(1, alerted.sum()):.1%}",
            f"{hits / max(1, dropped.sum()):.1%}"]


def alert_rows(folder: Path) -> list[list[str]]:
    """Alerting teachers on each held-out course: our risk (fitted on the other courses)
    at 0.8 and for the riskiest tenth, against "inactive 3 days" and the tenth longest
    inactive (the same number of alerts as ours)."""
    courses = load_courses(folder)
    rows = []
    for test in courses:
        train = [k for k in courses if k is not test]
        risk = _Ours().fit(train, _choose_c(_Ours(), train))(test.counts)
        daily = test.counts.sum(axis=2)
        quiet = _quiet_days(daily)
        dropped = test.dropped.astype(bool)
        count = max(1, round(RISKIEST * len(risk)))
        riskiest = np.zeros(len(risk), dtype=bool)
        riskiest[np.argsort(-risk, kind="stable")[:count]] = True
        quietest = np.zeros(len(risk), dtype=bool)
        quietest[np.argsort(-quiet, kind="stable")[:count]] = True
        for name, alerted in ((f"risk >= {ALERT_AT}", risk >= ALERT_AT),
                              ("inactive 3 days (baseline)", quiet >= 3),
                              (f"riskiest {RISKIEST:.0%}", riskiest),
                              (f"longest inactive {RISKIEST:.0%} (baseline)", quietest)):
            rows.append([test.name, f"{dropped.mean():.0%}", name,
                         *_alerting(alerted, dropped)])
    return rows


def write_risk_prior(folder: Path) -> None:
    courses = load_courses(folder)
    best = _choose_c(_Ours(), courses)
    histories = [h for k in courses for h in k.counts.sum(axis=2)]
    prior = RiskModel.fit(histories, [d for k in courses for d in k.dropped], c=best)
    enrollments = sum(len(k.dropped) for k in courses)
    prior.save(PRIOR_PATH, f"KDD Cup 2015, {len(courses)} courses, {enrollments} enrollments; "
                           f"C={best} by leave-one-course-out cross-validation")
    console.print(f"Wrote {PRIOR_PATH} (C={best}, {enrollments} enrollments)")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=EVAL / "assist2009",
                        help="a folder with train.csv and test.csv (user_id,skill_id,...,correct)")
    parser.add_argument("--risk-data", type=Path, default=EVAL / "kddcup2015",
                        help="a folder of courseNNNN_activity.csv and courseNNNN_labels.csv")
    parser.add_argument("--skip-pybkt", action="store_true")
    parser.add_argument("--sim-learners", type=int, default=100)
    parser.add_argument("--sim-seeds", choices=["reported", "dev"], default="reported",
                        help="the simulation's reported seeds, or those changes are tried on")
    parser.add_argument("--cost-learners", type=int, default=10_000)
    parser.add_argument("--cost-attempts", type=int, default=1_000_000)
    parser.add_argument("--only", choices=["prediction", "decays", "calibration", "risk",
                                           "alerts", "simulation", "cost"],
                        help="run one part")
    parser.add_argument("--write-risk-prior", action="store_true",
                        help="fit the risk model on all courses of --risk-data and save it as "
                             "the prior tutorbot ships")
    args = parser.parse_args()
    if args.write_risk_prior:
        write_risk_prior(args.risk_data)
        return
    parts = [args.only] if args.only else ["prediction", "decays", "calibration", "risk",
                                           "alerts", "simulation", "cost"]
    if "prediction" in parts:
        prediction(args.data, args.skip_pybkt)
    if "decays" in parts:
        decays_table(args.data)
    if "calibration" in parts:
        calibration_table(args.data)
    if "risk" in parts:
        header, *risk = risk_rows(args.risk_data)
        table("Risk of dropping out: AUC on each held-out course", ["model", *header[1:]], risk)
    if "alerts" in parts:
        table("Alerting teachers, on each held-out course (precision: alerted who dropped "
              "out; recall: dropouts alerted)",
              ["held-out course", "dropped out", "alert when", "alerted", "precision",
               "recall"], alert_rows(args.risk_data))
    if "simulation" in parts:
        from benchmarks.learner_simulation import DEV_SEEDS, SEEDS

        simulation_table(args.sim_learners, DEV_SEEDS if args.sim_seeds == "dev" else SEEDS)
    if "cost" in parts:
        cost_table(args.cost_learners, args.cost_attempts)


def prediction(data: Path, skip_pybkt: bool) -> None:
    train, test = load(data / "train.csv"), load(data / "test.csv")
    console.print(f"{data.name}: {len(train):,} training answers, {len(test):,} test "
                  f"answers of {len({u for u, _, _ in test}):,} other learners")
    rows = []
    now = ours(train, test)
    with recency_decays((0.7,)):
        before = ours(train, test)
    auc = now.every[0]
    rows.append([f"ours (monotone logistic, counts + two recency shares; fit "
                 f"{now.fit_seconds:.0f} s)", *(f"{v:.4f}" for v in now.every)])
    rows.append(["ours before: one recency share (decay 0.7)", *(f"{v:.4f}" for v in before.every)])
    rows.append(["ours, first answers on a skill only (as where each skill is met once)",
                 *(f"{v:.4f}" for v in now.first)])
    rows.append(["ours before, first answers on a skill only",
                 *(f"{v:.4f}" for v in before.first)])
    base = per_skill_average(train, test)
    rows.append(["per-skill average", *(f"{v:.4f}" for v in base)])
    if not skip_pybkt:
        started = time.perf_counter()
        anchor = pybkt(data)
        if anchor is not None:
            rows.append([f"pyBKT (BKT; {time.perf_counter() - started:.0f} s)",
                         *(f"{v:.4f}" for v in anchor)])
    table("Predicting each answer from the learner's earlier answers",
          ["model", "AUC", "RMSE", "accuracy"], rows)
    if not math.isfinite(auc):
        sys.exit(1)


@contextmanager
def recency_decays(decays: tuple[float, ...]) -> Iterator[None]:
    """The model with other recency shares than the shipped DECAYS, for comparison."""
    from tutor.learner import mastery

    shipped = mastery.DECAYS
    mastery.DECAYS = decays
    try:
        yield
    finally:
        mastery.DECAYS = shipped


DECAY_CANDIDATES = ((0.7,), (0.5,), (0.9,), (0.3, 0.9), (0.5, 0.9), (0.3, 0.7, 0.9),
                    (0.3, 0.95), (0.7, 0.95))


def decays_table(data: Path) -> None:
    """How DECAYS was chosen: each candidate fitted on four fifths of the training learners,
    scored by AUC on the other fifth (split by a hash of the learner's id); the test answers
    are not read."""
    train = load(data / "train.csv")
    held = {u for u, _, _ in train if zlib.crc32(u.encode()) % 5 == 0}
    fit_part = [a for a in train if a[0] not in held]
    check = [a for a in train if a[0] in held]
    rows = []
    for decays in DECAY_CANDIDATES:
        with recency_decays(decays):
            auc = ours(fit_part, check).every[0]
        rows.append([", ".join(map(str, decays)), f"{auc:.4f}"])
    best = max(rows, key=lambda row: row[1])
    table(f"Choosing the recency shares' decays: {len(fit_part):,} answers to fit, "
          f"{len(check):,} of {len(held):,} other training learners to check; best: "
          f"{best[0]}", ["decays", "AUC on the held-out training learners"], rows)


NEW_COURSE_ANSWERS = (0, 50, 200, 1_000, 5_000)


def calibration_table(data: Path) -> None:
    """A new course from its first answers: the shipped weights with each skill's
    difficulty calibrated online (tutor.learner.items, shrunk towards the authored
    difficulty: here none, so towards the average) from the first N answers of the training
    learners in their order of arrival, against the model fitted on all of them. ASSIST has
    no timestamps across learners: file order stands in for time."""
    train, test = load(data / "train.csv"), load(data / "test.csv")
    truth = [c for _, _, c in test]

    def auc_of(model: KnowledgeModel) -> float:
        predicted = [sigmoid(model.logit(skill, on_skill, overall)
                             + model.item_offset(skill, 3))
                     for skill, on_skill, overall, _ in replay(test, model.prior)]
        return scores(truth, predicted)[0]

    fitted = auc_of(KnowledgeModel.fit(train))
    rows = []
    for n in NEW_COURSE_ANSWERS:
        first = train[:n]
        model = calibrate_items(DEFAULT, [AnswerRow(learner, (skill,), skill, 3, correct)
                                          for learner, skill, correct in first])
        auc = auc_of(model)
        rows.append([f"{n:,}", f"{auc:.3f}", f"{fitted - auc:+.3f}"])
    rows.append([f"all {len(train):,} (fitted)", f"{fitted:.3f}", "0"])
    table("A new course from its first answers: AUC on the held-out learners, and the gap to "
          "the model fitted on all training answers", ["answers seen", "AUC",
                                                       "gap to fitted"], rows)


def simulation_table(learners: int, seeds: tuple[int, ...]) -> None:
    from benchmarks.learner_simulation import LIMIT, POLICIES, RETENTION_DAYS, simulate

    found = simulate(learners, seeds)
    best = min(o.median for name, o in found.items()
               if name in POLICIES and not name.startswith("tutorbot"))
    rows = [[name, " / ".join(f"{m:.0f}" for m in o.medians), f"{o.median:.0f}",
             f"{best / o.median:.2f}", f"{o.mastered:.0%}", f"{o.retention:.1%}"]
            for name, o in found.items()]
    table(f"Simulated learners ({learners} a seed; seeds {', '.join(map(str, seeds))}; "
          f"knowledge-tracing learners, not the tutor's model): questions until every skill "
          f"is known (capped at {LIMIT}), and skills still known {RETENTION_DAYS} days later",
          ["tutor", "median per seed", "median", "best baseline / this", "reached mastery",
           f"retained after {RETENTION_DAYS} days"], rows)


def cost_table(learners: int, attempts: int) -> None:
    from sqlalchemy.exc import OperationalError

    from benchmarks.learner_cost import measure, postgres_schema, sqlite_file

    rows = []
    stores = [("SQLite", sqlite_file), ("PostgreSQL", postgres_schema)]
    for name, store in stores:
        try:
            with store() as url:
                small = measure(url, 100, 10_000)
            with store() as url:
                big = measure(url, learners, attempts)
        except OperationalError as exc:
            console.print(f"{name} skipped: {str(exc.orig).splitlines()[0]}")
            continue
        for label, field in (("open a quiz (first question chosen), whole turn", "quiz_turn"),
                             ("answer (record, update, level, choose next), whole turn",
                              "answer_turn"),
                             ("model update: replay the learner's answers + level",
                              "update"),
                             ("choose among the course's questions", "choice")):
            (b50, b95), (s50, s95) = getattr(big, field), getattr(small, field)
            rows.append([name, label, f"{s50:.1f} / {s95:.1f}", f"{b50:.1f} / {b95:.1f}",
                         f"{b95 / s95:.2f}"])
        console.print(f"{name}: loading {learners:,} learners and {attempts:,} answers took "
                      f"{big.load_seconds:.0f} s")
    table(f"Cost per turn, p50 / p95 ms: 100 learners and 10,000 answers (baseline) against "
          f"{learners:,} learners and {attempts:,} answers",
          ["store", "step", "baseline", "big", "p95 ratio"], rows)


if __name__ == "__main__":
    main()
