"""`python -m lab bench`: how build, load, memory and query latency grow with the corpus.

`--articles N` measures the other shape a news corpus takes, N articles of 10 paragraphs: start-up with the
saved index, a reload with nothing changed, and adding one article.

Corpora of the requested sizes are resampled from real sentences (a SQuAD-format file such as XQuAD, or a
corpus folder): each passage joins 2–4 random sentences (fewer when that would exceed the passage length limit). Each size runs in fresh processes so that peak
memory and load time are those of a real start: one process builds and saves the index (analysis, BM25 and
the encoder's passage vectors; it also times plain rank-bm25 `get_scores` on the same passages), another
loads it and answers real questions with the whole search, question encoding included.
"""

from __future__ import annotations

import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from razdel import sentenize

from retrieval.index import indexfile, vectorcache
from retrieval.corpus import load_corpus
from retrieval.text.passages import MAX_PASSAGE_CHARS
from .squad import load_squad

PASSAGES_PER_FILE = 1000
ARTICLE_PARAGRAPHS = 10  # the many-articles shape: news reports of 10 paragraphs
ENCODING_SAMPLE = 500  # passages encoded again, alone, to report the encoder's rate


def _peak_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def other_language_questions(source: Path) -> list[str]:
    """The questions of the parallel SQuAD file in the other language (xquad.ru.… beside xquad.en.…),
    question for question; none when there is no such file."""
    for mine, other in ((".en.", ".ru."), (".ru.", ".en.")):
        parallel = source.with_name(source.name.replace(mine, other))
        if mine in source.name and source.is_file() and parallel.is_file():
            return [q.text for q in load_squad(parallel, other.strip("."))[1]]
    return []


def source_texts(source: Path, questions_file: Path | None) -> tuple[list[str], list[str], str]:
    """(sentences, questions, language) from a SQuAD file or a corpus folder (+ a question file)."""
    if source.is_dir():
        corpus = load_corpus(source)
        paragraphs = [p for doc in corpus.documents for p in doc.paragraphs]
        from .evaluation import load_questions
        questions = [q.text for q in load_questions(questions_file)] if questions_file else []
        language = corpus.documents[0].language
    else:
        language = "ru" if ".ru." in source.name else "en"
        corpus, squad_questions = load_squad(source, language)
        paragraphs = [doc.paragraphs[0] for doc in corpus.documents]
        questions = [q.text for q in squad_questions]
    sentences = [s.text for p in paragraphs for s in sentenize(p) if len(s.text.split()) >= 3]
    return sentences, questions, language


def write_corpus(folder: Path, sentences: list[str], size: int, language: str, seed: int,
                 per_file: int = PASSAGES_PER_FILE) -> None:
    """A corpus of `size` resampled passages, `per_file` paragraphs (one passage each) per article."""
    rng = random.Random(seed)
    passages = []
    while len(passages) < size:
        chosen = [rng.choice(sentences) for _ in range(rng.randint(2, 4))]
        while len(chosen) > 1 and len(" ".join(chosen)) > MAX_PASSAGE_CHARS:
            chosen.pop()  # stay one passage, so the corpus has exactly `size` of them
        passages.append(" ".join(chosen))
    (folder / "articles").mkdir(parents=True)
    manifest = []
    for start in range(0, size, per_file):
        name = f"part-{start // per_file:05d}"
        (folder / "articles" / f"{name}.txt").write_text("\n".join(passages[start:start + per_file]),
                                                         encoding="utf-8")
        manifest.append(f"- id: {name}\n  file: articles/{name}.txt\n  language: {language}\n")
    (folder / "documents.yaml").write_text("".join(manifest), encoding="utf-8")


def build_step(folder: Path, questions: list[str], baseline_queries: int) -> dict:
    """Build and save the index; time our scoring against rank-bm25's get_scores on the same terms."""
    import numpy as np
    from rank_bm25 import BM25Okapi

    from retrieval.index.bm25 import top_k
    from retrieval.engine import Engine
    from retrieval.index.composed import encode_passages

    started = time.perf_counter()
    engine = Engine.load(folder)
    build_seconds = time.perf_counter() - started
    sample = [p.text for p in engine.passages[:ENCODING_SAMPLE]]
    started = time.perf_counter()
    encode_passages(sample)
    encoding_rate = len(sample) / (time.perf_counter() - started)
    terms = [engine.analyzer.terms(p.text) for p in engine.passages]
    reference = BM25Okapi(terms)
    queries = [list(engine.parse(q).terms) for q in questions[:baseline_queries]]
    ours, theirs = [], []
    for query in queries:
        t0 = time.perf_counter()
        top_k(*engine.index.candidate_scores(query), 10)
        t1 = time.perf_counter()
        scores = reference.get_scores(query)
        np.argsort(-scores)[:10]
        t2 = time.perf_counter()
        ours.append(t1 - t0)
        theirs.append(t2 - t1)
    return {"passages": len(engine.passages), "build_s": build_seconds, "encoded_per_s": encoding_rate,
            "index_mib": (folder / indexfile.INDEX_FILE).stat().st_size / 2**20,
            "score_ms": statistics.median(ours) * 1000, "rank_bm25_ms": statistics.median(theirs) * 1000,
            "build_peak_mib": _peak_mib()}


def serve_step(folder: Path, questions: list[str], other_language: list[str], busy: list[str]) -> dict:
    """Start as the bot does (load the saved index), then answer every question with the full search: the
    questions in the corpus's language, then the same in the other language (the word bridge at work), then
    `busy` (other questions: a question asked again is remembered) with a CPU-bound process beside."""
    started = time.perf_counter()
    from retrieval.engine import Engine
    engine = Engine.load(folder)
    load_seconds = time.perf_counter() - started

    def percentiles(asked: list[str]) -> tuple[float, float]:
        latencies = []
        for question in asked:
            t0 = time.perf_counter()
            engine.search(question, k=3)
            latencies.append(time.perf_counter() - t0)
        latencies.sort()
        return (latencies[len(latencies) // 2] * 1000, latencies[int(len(latencies) * 0.95)] * 1000) \
            if latencies else (float("nan"), float("nan"))

    (p50, p95), (other_p50, other_p95) = percentiles(questions), percentiles(other_language)
    neighbour = subprocess.Popen([sys.executable, "-c", "import time\nend = time.monotonic() + 600\n"
                                  "while time.monotonic() < end: pass"])  # ends itself should this process die
    try:
        busy_p50, busy_p95 = percentiles(busy)
    finally:
        neighbour.kill()
        neighbour.wait()
    return {"load_s": load_seconds, "p50_ms": p50, "p95_ms": p95, "other_p50_ms": other_p50,
            "other_p95_ms": other_p95, "busy_p50_ms": busy_p50, "busy_p95_ms": busy_p95,
            "serve_peak_mib": _peak_mib()}


def articles_step(folder: Path, questions: list[str], new_article: str) -> dict:
    """What an operator waits for on a corpus of many articles: a start, a reload with nothing changed,
    and adding one article, each as the commands do it (fresh processes for the commands)."""
    from retrieval.engine import Engine

    def command(*args: str) -> float:
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "retrieval", *args, "--corpus", str(folder)], check=True,
                       capture_output=True)
        return time.perf_counter() - started

    start_s = command("search", questions[0])
    engine = Engine.load(folder)
    started = time.perf_counter()
    Engine.load(folder, previous=engine)
    reload_s = time.perf_counter() - started
    article = folder.parent / "new-article.txt"
    article.write_text(new_article, encoding="utf-8")
    add_s = command("add", str(article))
    return {"start_s": start_s, "reload_s": reload_s, "add_s": add_s}


def run_articles(source: Path, articles: int, questions_file: Path | None, seed: int) -> str:
    """The many-articles shape: `articles` articles of 10 paragraphs each."""
    sentences, questions, language = source_texts(source, questions_file)
    rng = random.Random(seed + 1)
    new_article = "\n".join(" ".join(rng.choice(sentences) for _ in range(3)) for _ in range(10))
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "corpus"
        write_corpus(folder, sentences, articles * ARTICLE_PARAGRAPHS, language, seed, per_file=ARTICLE_PARAGRAPHS)
        built = _child("build", folder, questions[:10], 3)
        timed = _child("articles", folder, questions[:1], 0, new_article=new_article)
    return "\n".join([
        f"{'articles':>8} {'passages':>9} {'build s':>8} {'start s':>8} {'reload s':>9} {'add 1 s':>8}",
        f"{articles:8d} {built['passages']:9d} {built['build_s']:8.1f} {timed['start_s']:8.2f} "
        f"{timed['reload_s']:9.2f} {timed['add_s']:8.2f}",
        "start: `python -m retrieval search` with the saved index, process start to answer. reload: a load with "
        "nothing changed, reusing the loaded engine (what /reload does). add 1: `python -m retrieval add` of a "
        "new 10-paragraph article, re-indexing included."])


def _child(step: str, folder: Path, questions: list[str], baseline_queries: int, new_article: str = "",
           other_language: list[str] = (), busy: list[str] = ()) -> dict:
    payload = json.dumps({"step": step, "folder": str(folder), "questions": questions,
                          "baseline_queries": baseline_queries, "new_article": new_article,
                          "other_language": list(other_language), "busy": list(busy)})
    cache = folder.parent / "vectors.sqlite3"
    if not cache.exists():
        _seed(cache)
    cold = {**os.environ, vectorcache.PATH_ENV: str(cache)}  # no vectors: built as if first
    result = subprocess.run([sys.executable, "-m", "lab.bench"], input=payload, capture_output=True,
                            text=True, check=True, env=cold)
    return json.loads(result.stdout.strip().splitlines()[-1])


def _seed(path: Path) -> None:
    """A vector cache at `path` holding no vectors but what any started machine has: the encoder's tokenizer
    tables and unpacked weights (from this machine's cache, when it has them), so that a build is timed from
    no vectors rather than from a new machine's first start."""
    from retrieval.index import tokenizer, weights
    source, target = vectorcache.cache(), vectorcache.VectorCache(path)
    tables = source.state(tokenizer.STATE)
    if tables is not None:
        target.keep(tokenizer.STATE, tables)
    unpacked = source.beside(weights.FOLDER)
    if unpacked is not None and unpacked.is_dir() and target.beside(weights.FOLDER) is not None:
        target.beside(weights.FOLDER).symlink_to(unpacked, target_is_directory=True)


def run(source: Path, sizes: list[int], questions_file: Path | None, query_count: int,
        baseline_queries: int, seed: int) -> str:
    sentences, questions, language = source_texts(source, questions_file)
    if not sentences or not questions:
        raise SystemExit(f"error: {source} gave no sentences or no questions (pass --questions)")
    others = other_language_questions(source)
    chosen = random.Random(seed).sample(range(len(questions)), min(query_count, len(questions)))
    rest = sorted(set(range(len(questions))) - set(chosen))  # asked again, a question would be remembered
    busy = [questions[i] for i in random.Random(seed + 1).sample(rest, min(query_count, len(rest)))]
    questions, others = [questions[i] for i in chosen], [others[i] for i in chosen] if others else []
    lines = [f"Resampled from {len(sentences)} sentences of {source}; {len(questions)} real questions"
             f"{', and the same in the other language (x)' if others else ''}.",
             f"{'passages':>9} {'build s':>8} {'encode/s':>8} {'index MiB':>9} {'load s':>7} {'p50 ms':>7} "
             f"{'p95 ms':>7} {'x p50':>7} {'x p95':>7} {'busy p50':>8} {'busy p95':>8} {'score ms':>8} "
             f"{'bm25 ms':>8} {'ratio':>6} {'build MiB':>9} {'serve MiB':>9}"]
    for size in sizes:
        with tempfile.TemporaryDirectory() as tmp:
            folder = Path(tmp) / "corpus"
            write_corpus(folder, sentences, size, language, seed)
            built = _child("build", folder, questions, baseline_queries)
            served = _child("serve", folder, questions, baseline_queries, other_language=others, busy=busy)
        ratio = built["rank_bm25_ms"] / max(built["score_ms"], 1e-6)
        lines.append(f"{built['passages']:9d} {built['build_s']:8.1f} {built['encoded_per_s']:8.0f} "
                     f"{built['index_mib']:9.1f} {served['load_s']:7.2f} {served['p50_ms']:7.2f} "
                     f"{served['p95_ms']:7.2f} {served['other_p50_ms']:7.2f} {served['other_p95_ms']:7.2f} "
                     f"{served['busy_p50_ms']:8.2f} {served['busy_p95_ms']:8.2f} "
                     f"{built['score_ms']:8.3f} {built['rank_bm25_ms']:8.2f} "
                     f"{ratio:6.0f} {built['build_peak_mib']:9.0f} {served['serve_peak_mib']:9.0f}")
        print(lines[-1], file=sys.stderr, flush=True)
    lines.append("build: analysis, BM25 and passage vectors, saved, from a vector cache holding no vectors (its writes "
                 "included; the encoder's tokenizer tables and weights as a started machine has them). "
                 "encode/s: passages the encoder embeds per second (composed passage and sentence vectors, before int8). "
                 "p50/p95: the whole search (question encoding, both signals, answer-or-refuse, excerpts); x p50/x p95: "
                 "the same questions in the other language, translated by the word bridge; busy p50/p95: as many other "
                 "questions with a CPU-bound process beside the search. score ms: "
                 "BM25 scoring and top-10 only, median, beside rank-bm25 get_scores + top-10 on the same terms.")
    return "\n".join(lines)


if __name__ == "__main__":
    job = json.loads(sys.stdin.read())
    folder, questions = Path(job["folder"]), job["questions"]
    if job["step"] == "build":
        result = build_step(folder, questions, job["baseline_queries"])
    elif job["step"] == "serve":
        result = serve_step(folder, questions, job["other_language"], job["busy"])
    else:
        result = articles_step(folder, questions, job["new_article"])
    print(json.dumps(result))
