"""`python -m retrieval`: search the corpus and add articles to it (measuring lives in `python -m lab`)."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from . import ingest, textio
from .display import plain_hit
from .engine import DEFAULT_CORPUS, HITS, Engine, Hit
from .errors import CorpusError
from .index.encoder import EncoderMissing


def format_hits(hits: list[Hit]) -> str:
    """Hits for a person: excerpt with **matched** words, then the citation and the score."""
    if not hits:
        return "No answer in the corpus for this question."
    return "\n\n".join(plain_hit(hit, number, f"paragraph {hit.paragraph}", f"  [score {hit.score:.2f}]")
                       for number, hit in enumerate(hits, start=1))


def _search(args: argparse.Namespace) -> int:
    if args.k < 1:
        print("error: --k must be at least 1", file=sys.stderr)
        return 2
    engine = Engine.load(args.corpus)
    if args.batch:  # one question builds the speller only when it needs it (a plainly written one does not)
        engine.prepare()  # the speller builds while the encoder loads: the first question waits for neither
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


def _add(args: argparse.Namespace) -> int:
    """Each source and feed succeeds or fails on its own: 0 when none was refused, 1 when some were."""
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m retrieval", description=__doc__)
    commands = parser.add_subparsers(dest="command", required=True)

    search = commands.add_parser("search", help="answer a question from the corpus")
    search.add_argument("question", nargs="?", help="the question (omit with --batch)")
    search.add_argument("--k", type=int, default=HITS, help=f"number of hits (default {HITS})")
    search.add_argument("--json", action="store_true", help="one JSON object per query")
    search.add_argument("--batch", action="store_true", help="read one query per line from standard input")
    search.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (documents.yaml)")
    search.set_defaults(run=_search)

    add = commands.add_parser("add", help="add articles from saved pages, text files, URLs or feeds")
    add.add_argument("sources", nargs="*", help="saved HTML pages, plain-text files, or http(s) URLs")
    add.add_argument("--feed", action="append", metavar="URL", help="an RSS or Atom feed: add its new entries")
    add.add_argument("--corpus", type=Path, default=DEFAULT_CORPUS, help="corpus folder (documents.yaml)")
    add.add_argument("--dry-run", action="store_true", help="show what would be added; write nothing")
    add.add_argument("--timeout", type=float, default=ingest.Fetching.timeout,
                     help=f"seconds for a whole download, redirects included (default {ingest.Fetching.timeout:g})")
    add.add_argument("--max-entries", type=int, default=ingest.MAX_FEED_ENTRIES,
                     help=f"new entries taken from each feed (default {ingest.MAX_FEED_ENTRIES}; the rest wait for "
                          "the next run)")
    add.add_argument("--allow-loopback", action="store_true",
                     help="let addresses on this machine (127.0.0.1, ::1) be fetched: for tests and local use")
    add.set_defaults(run=_add)

    return parser


def main(argv: list[str] | None = None) -> int:
    return run_command(build_parser(), argv)


def run_command(parser: argparse.ArgumentParser, argv: list[str] | None) -> int:
    """Parse `argv` and run the chosen command (`args.run`) on UTF-8 standard streams (`textio.guarded`): a
    broken corpus or a missing encoder is one `error:` line and exit code 2."""
    def run() -> int:
        args = parser.parse_args(argv)
        try:
            return args.run(args)
        except (CorpusError, EncoderMissing) as error:
            print(f"error: {error}", file=sys.stderr)
            return 2

    return textio.guarded(run)
