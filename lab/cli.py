"""`python -m lab`: measure retrieval quality (`evaluate`), fit the answer-or-refuse decision (`calibrate`),
and time the index as the corpus grows (`bench`). Run from a checkout with the `lab` extra installed."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from retrieval import DEFAULT_CORPUS, CorpusError, EncoderMissing, textio

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = PROJECT_ROOT / "tests" / "questions.yaml"
DEFAULT_XQUAD = PROJECT_ROOT.parent / "shared" / "xquad"


def _evaluate(args: argparse.Namespace) -> int:
    from retrieval import Engine
    from retrieval.corpus import Corpus

    from . import calibration
    from .evaluation import evaluate_questions, evaluate_xquad, load_questions, project_curve, xquad_questions

    engine = Engine.load(args.corpus)
    questions = load_questions(args.questions)
    print(evaluate_questions(engine, questions), end="\n\n")
    plain = Engine.build(Corpus(engine.corpus.root, engine.documents))  # the same corpus, no glossary
    print(evaluate_questions(plain, questions, "Question set without the glossary"), end="\n\n")
    xquad = args.xquad if args.xquad and (args.xquad / "xquad.ru.dev.json").exists() else None
    if not xquad:
        print(f"XQuAD not found at {args.xquad}; pass --xquad DIR to include it.")
        return 0
    print(project_curve(engine, questions, xquad_questions(xquad)), end="\n\n")
    print(calibration.answer_or_refuse(calibration.score_cases(xquad)), end="\n\n")
    print(evaluate_xquad(xquad))
    return 0


def _calibrate(args: argparse.Namespace) -> int:
    from . import calibration

    cases = calibration.score_cases(args.xquad)["calibration"]
    weights = calibration.fit_decision([case for direction in cases.values() for case in direction])
    rows = "".join(f"    {row},\n" for row in weights)
    print(f"DECISION_WEIGHTS = (\n{rows})  # for retrieval/decision.py; fitted on the calibration split")
    return 0


def _bench(args: argparse.Namespace) -> int:
    from .bench import run, run_articles

    if args.articles:
        print(run_articles(args.source, args.articles, args.questions, args.seed))
        return 0
    sizes = [int(size) for size in args.sizes.split(",")]
    print(run(args.source, sizes, args.questions, args.queries, args.baseline_queries, args.seed))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m lab", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    evaluate = commands.add_parser("evaluate", help="measure retrieval quality against baselines")
    evaluate.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    evaluate.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    evaluate.add_argument("--xquad", type=Path, default=DEFAULT_XQUAD, help="folder with xquad.{ru,en}.dev.json")
    evaluate.set_defaults(run=_evaluate)

    calibrate = commands.add_parser("calibrate", help="fit the answer-or-refuse model on the calibration split")
    calibrate.add_argument("--xquad", type=Path, default=DEFAULT_XQUAD, help="folder with xquad.{ru,en}.dev.json")
    calibrate.set_defaults(run=_calibrate)

    bench = commands.add_parser("bench", help="build/load/query cost at several corpus sizes")
    bench.add_argument("--source", type=Path, default=DEFAULT_XQUAD / "xquad.en.dev.json",
                       help="SQuAD-format file, or a corpus folder (then --questions)")
    bench.add_argument("--questions", type=Path, default=None, help="question file for a corpus-folder source")
    bench.add_argument("--sizes", default="1000,10000,50000", help="passage counts, comma-separated")
    bench.add_argument("--queries", type=int, default=300, help="real questions timed per size")
    bench.add_argument("--baseline-queries", type=int, default=50, help="questions timed with rank-bm25")
    bench.add_argument("--seed", type=int, default=1)
    bench.add_argument("--articles", type=int, default=0,
                       help="instead of --sizes: N articles of 10 paragraphs; start, reload and add-one times")
    bench.set_defaults(run=_bench)
    return parser


def main(argv: list[str] | None = None) -> int:
    return textio.guarded(lambda: _main(argv))


def _main(argv: list[str] | None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return args.run(args)
    except (CorpusError, EncoderMissing) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as error:
        if error.name != "rank_bm25":
            raise
        print("error: the lab needs its extra: pip install -e '.[lab]'", file=sys.stderr)
        return 2
