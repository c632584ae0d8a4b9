"""`python -m retrieval`: search the corpus, evaluate retrieval quality, benchmark the index."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import textio
from .engine import DEFAULT_CORPUS, Engine, Hit
from .encoder import EncoderMissing
from .errors import CorpusError
from .highlight import mark_spans
from .ingest import MAX_FEED_ENTRIES, Fetching

PROJECT_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_QUESTIONS = PROJECT_ROOT / "tests" / "questions.yaml"
DEFAULT_XQUAD = PROJECT_ROOT.parent / "shared" / "xquad"


def citation(hit: Hit) -> str:
    parts = [hit.source.title, hit.source.publisher, hit.source.date, f"paragraph {hit.paragraph}"]
    return " · ".join(part for part in parts if part)


def format_hits(hits: list[Hit]) -> str:
    """Hits for a person: excerpt with **matched** words, then the citation."""
    if not hits:
        return "No answer in the corpus for this question."
    blocks = []
    for number, hit in enumerate(hits, start=1):
        excerpt = mark_spans(hit.excerpt, hit.spans, "**", "**")
        blocks.append(f"{number}. {excerpt}\n   — {citation(hit)}  [score {hit.score:.2f}]")
    return "\n\n".join(blocks)


def _search(args: argparse.Namespace) -> int:
    engine = Engine.load(args.corpus)
    if args.batch:
        questions = (textio.input_line(line) for line in sys.stdin)
    elif args.question is not None:
        questions = [textio.argument(args.question)]
    else:
        print("error: give a question, or --batch to read one per line from standard input", file=sys.stderr)
        return 2
    for question in questions:
        hits = engine.search(question, k=args.k)
        if args.json:
            print(json.dumps({"query": question, "hits": [h.as_json() for h in hits]}, ensure_ascii=False))
        else:
            if args.batch:
                print(f"## {question}")
            print(format_hits(hits), end="\n\n" if args.batch else "\n")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from . import calibration
    from .corpus import Corpus
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


def _add(args: argparse.Namespace) -> int:
    """Each source and feed succeeds or fails on its own: 0 when none was refused, 1 when some were."""
    from . import ingest

    if not args.sources and not args.feed:
        print("error: give one or more pages, files or URLs, or --feed URL", file=sys.stderr)
        return 2
    fetching = ingest.Fetching(args.timeout, args.allow_loopback)
    reports = []
    if args.sources:
        reports.append(ingest.add(args.corpus, args.sources, dry_run=args.dry_run, fetching=fetching))
    for feed in args.feed or []:
        current = reports[-1].engine if reports else None
        reports.append(ingest.add_feed(args.corpus, feed, dry_run=args.dry_run, current=current, fetching=fetching,
                                       max_entries=args.max_entries))
    for report in reports:
        for line in report.lines():
            print(line)
        for line in report.refused:
            print(f"error: {line}", file=sys.stderr)
    if not any(report.added for report in reports) and not any(report.refused for report in reports):
        print("nothing new to add")
    return 1 if any(report.refused for report in reports) else 0


def _bench(args: argparse.Namespace) -> int:
    from .bench import run, run_articles

    if args.articles:
        print(run_articles(args.source, args.articles, args.questions, args.seed))
        return 0
    sizes = [int(size) for size in args.sizes.split(",")]
    print(run(args.source, sizes, args.questions, args.queries, args.baseline_queries, args.seed))
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m retrieval", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    search = commands.add_parser("search", help="answer a question from the corpus")
    search.add_argument("question", nargs="?", help="the question (omit with --batch)")
    search.add_argument("--k", type=int, default=3, help="number of hits (default 3)")
    search.add_argument("--json", action="store_true", help="one JSON object per query")
    search.add_argument("--batch", action="store_true", help="read one query per line from standard input")
    search.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (documents.yaml)")
    search.set_defaults(run=_search)

    evaluate = commands.add_parser("evaluate", help="measure retrieval quality against baselines")
    evaluate.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS)
    evaluate.add_argument("--questions", type=Path, default=DEFAULT_QUESTIONS)
    evaluate.add_argument("--xquad", type=Path, default=DEFAULT_XQUAD, help="folder with xquad.{ru,en}.dev.json")
    evaluate.set_defaults(run=_evaluate)

    calibrate = commands.add_parser("calibrate", help="fit the answer-or-refuse model on the calibration split")
    calibrate.add_argument("--xquad", type=Path, default=DEFAULT_XQUAD, help="folder with xquad.{ru,en}.dev.json")
    calibrate.set_defaults(run=_calibrate)

    add = commands.add_parser("add", help="add articles from saved pages, text files, URLs or feeds")
    add.add_argument("sources", nargs="*", help="saved HTML pages, plain-text files, or http(s) URLs")
    add.add_argument("--feed", action="append", metavar="URL", help="an RSS or Atom feed: add its new entries")
    add.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (documents.yaml)")
    add.add_argument("--dry-run", action="store_true", help="show what would be added; write nothing")
    add.add_argument("--timeout", type=float, default=Fetching.timeout,
                     help=f"seconds for a whole download, redirects included (default {Fetching.timeout:g})")
    add.add_argument("--max-entries", type=int, default=MAX_FEED_ENTRIES,
                     help=f"new entries taken from each feed (default {MAX_FEED_ENTRIES}; the rest wait for the next run)")
    add.add_argument("--allow-loopback", action="store_true",
                     help="let addresses on this machine (127.0.0.1, ::1) be fetched: for tests and local use")
    add.set_defaults(run=_add)

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
    if getattr(args, "k", 1) < 1:
        print("error: --k must be at least 1", file=sys.stderr)
        return 2
    try:
        return args.run(args)
    except (CorpusError, EncoderMissing) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
