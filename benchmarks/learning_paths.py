"""Learning paths: does "learners like you" predict the next skill a learner practises?

    python -m benchmarks.learning_paths [--data DIR]

On DIR/train.csv and DIR/test.csv (ASSIST2009 by default: rows in time order per learner),
each learner's history is the order in which they first practised each skill. At every new
skill of a held-out (test) learner, each model ranks the skills not practised yet; we
report hit@1, hit@3 and the mean reciprocal rank of the skill they actually went to.

Models, in the same run:
- authored order: ASSIST has no course order, so the typical one stands in for it (skills
  by their mean position in training histories), continued from the learner's last skill;
- popularity: skills by how many training learners practised them;
- learners like you (tutor.learner.similar): item-to-item counts, with or without a
  low-rank factorisation added; which variant, and its weight, is chosen by 5-fold
  cross-validation over the training learners (MRR), never on the test learners.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from pathlib import Path

import numpy as np

from benchmarks.common import EVAL, console, table
from tutor.learner.similar import NextSkill, first_practice

Scorer = Callable[[Sequence[str], Sequence[str]], dict[str, float]]
VARIANTS = [(0, 0.0), (10, 0.05), (10, 0.1), (10, 0.3), (20, 0.1)]  # (rank, weight)


def histories(path: Path) -> list[list[str]]:
    answers: dict[str, list[str]] = defaultdict(list)
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            answers[row["user_id"]].append(row["skill_id"])
    return [first_practice(skills) for skills in answers.values()]


def evaluate(score: Scorer, learners: Sequence[Sequence[str]], skills: Sequence[str]
             ) -> tuple[float, float, float, int]:
    hit1 = hit3 = mrr = 0.0
    steps = 0
    for history in learners:
        for k in range(1, len(history)):
            seen = set(history[:k])
            candidates = [s for s in skills if s not in seen]
            found = score(history[:k], candidates)
            ranked = sorted(candidates, key=lambda s: (-found[s], s))
            rank = ranked.index(history[k]) + 1
            hit1 += rank == 1
            hit3 += rank <= 3
            mrr += 1 / rank
            steps += 1
    return hit1 / steps, hit3 / steps, mrr / steps, steps


def popularity(train: Sequence[Sequence[str]]) -> Scorer:
    counts = Counter(s for h in train for s in h)
    return lambda _, candidates: {c: float(counts.get(c, 0)) for c in candidates}


def typical_order(train: Sequence[Sequence[str]], skills: Sequence[str]) -> Scorer:
    positions: dict[str, list[int]] = defaultdict(list)
    for history in train:
        for position, skill in enumerate(history):
            positions[skill].append(position)
    order = sorted(skills, key=lambda s: (np.mean(positions[s]) if positions[s] else 1e9, s))
    rank = {s: i for i, s in enumerate(order)}

    def score(history: Sequence[str], candidates: Sequence[str]) -> dict[str, float]:
        last = rank[history[-1]]  # the next ones after where the learner is, in that order
        return {c: -float((rank[c] - last) % len(order)) for c in candidates}

    return score


def choose_variant(train: Sequence[Sequence[str]], skills: Sequence[str], folds: int = 5
                   ) -> tuple[tuple[int, float], dict[tuple[int, float], float]]:
    """The variant with the best mean MRR on held-out folds of the training learners."""
    rng = np.random.default_rng(0)
    fold = rng.integers(0, folds, len(train))
    results = {}
    for rank, weight in VARIANTS:
        mrrs = []
        for f in range(folds):
            fit = [h for h, g in zip(train, fold, strict=True) if g != f]
            held = [h for h, g in zip(train, fold, strict=True) if g == f]
            model = NextSkill(rank=rank, weight=weight).fit(fit)
            mrrs.append(evaluate(model.scores, held, skills)[2])
        results[(rank, weight)] = float(np.mean(mrrs))
    return max(results, key=lambda v: (results[v], -v[0])), results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=EVAL / "assist2009")
    args = parser.parse_args()
    train, test = histories(args.data / "train.csv"), histories(args.data / "test.csv")
    skills = sorted({s for h in train + test for s in h})
    console.print(f"{args.data.name}: {len(train):,} training and {len(test):,} held-out "
                  f"learners, {len(skills)} skills")
    chosen, tried = choose_variant(train, skills)
    table("Choosing the variant: 5-fold cross-validation over training learners (MRR)",
          ["factorisation rank", "weight", "MRR"],
          [[str(r) if r else "none (item-to-item)", f"{w:g}", f"{m:.3f}"]
           for (r, w), m in tried.items()])
    rows = []
    for name, score in (("authored order (typical order)", typical_order(train, skills)),
                        ("popularity", popularity(train)),
                        (f"learners like you (rank {chosen[0]}, weight {chosen[1]:g})",
                         NextSkill(rank=chosen[0], weight=chosen[1]).fit(train).scores)):
        hit1, hit3, mrr, steps = evaluate(score, test, skills)
        rows.append([name, f"{hit1:.3f}", f"{hit3:.3f}", f"{mrr:.3f}", f"{steps:,}"])
    table("The next skill a held-out learner practises", ["model", "hit@1", "hit@3", "MRR",
                                                          "steps"], rows)


if __name__ == "__main__":
    main()
