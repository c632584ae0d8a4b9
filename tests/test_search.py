import json
import random
import subprocess
import sys

import numpy as np
import pytest
from rank_bm25 import BM25Okapi

from retrieval import Engine
from retrieval.index import bm25
from retrieval.index.bm25 import BM25Index, top_k
from lab.evaluation import load_questions, question_ranks
from conftest import ROOT, XQUAD, all_scores, needs_xquad


def test_russian_question_finds_english_passage(engine):
    hit = engine.search("Какое соглашение подписал МАЗ?")[0]
    assert hit.doc_id == "innoprom-day-two-delegation" and hit.paragraph == 3
    assert "cooperation agreement was signed" in hit.excerpt


def test_english_question_finds_russian_passage(engine):
    hit = engine.search("Who is the director general of Mogilev elevator plant?")[0]
    assert hit.doc_id == "innoprom-belarus-interregional"
    assert "Руслан Страхар" in hit.excerpt


def test_excerpt_is_verbatim_and_spans_mark_matched_words(engine):
    hit = engine.search("Какой трамвай с белорусскими комплектующими показали на выставке?")[0]
    assert hit.excerpt in hit.passage
    marked = [hit.excerpt[a:b] for a, b in hit.spans]
    assert "tram" in marked and "components" in marked and "exhibition" in marked
    assert all(hit.excerpt[a:b].strip() == hit.excerpt[a:b] and a < b for a, b in hit.spans)


def test_excerpt_is_one_to_three_sentences_of_the_passage(engine):
    from retrieval.text.passages import sentence_spans
    for question in ("What help did Belarus offer with elevators?", "Сколько документов запланировано подписать?"):
        for hit in engine.search(question):
            assert 1 <= len(sentence_spans(hit.excerpt)) <= 3


def test_a_quoted_name_with_a_full_stop_is_not_cut_in_two(engine):
    """razdel alone ends a sentence inside "Sustainable Manufacturing. Renewal Strategy"; speech quoted over
    several sentences is still split."""
    from retrieval.text.passages import sentence_spans
    text = 'They opened the session "Sustainable Manufacturing. Renewal Strategy" at Innoprom. It was full.'
    assert [text[a:b] for a, b in sentence_spans(text)] == [text[:text.index(" It")], "It was full."]
    speech = "“We saw vulnerabilities in the economy. We clearly realized the need to replace imports and " \
             "strengthen and develop our own industries,” he said."
    assert len(sentence_spans(speech)) == 2
    long_then_short = ('"' + "a quotation " * 8 + 'that runs on," he said. It was full. The session "Smart Industry" '
                       "opened.")
    assert len(sentence_spans(long_then_short)) == 3  # not the gap between a long quotation and a short one
    hit = engine.search("strategic session Sustainable Manufacturing")[0]
    assert '"Sustainable Manufacturing. Renewal Strategy"' in hit.excerpt


@pytest.mark.parametrize("question", [
    "What is the capital of France?", "Who won the 2018 World Cup?", "Как приготовить борщ?",
    "Когда открывается новый аквапарк?", "", "   ", "?!", "the and of", "🙂🙂🙂",
])
def test_questions_the_corpus_does_not_answer_get_no_hits(engine, question):
    assert engine.search(question) == []


@pytest.mark.parametrize("question", ["рецепт борща из Беларуси", "weather in Minsk tomorrow"])
def test_naming_the_corpus_subject_alone_does_not_answer(engine, question):
    """Belarus is in most passages: a sentence holding it says little when the question's other words are
    unknown (the decision weighs gathered words against the whole question, not only its known words)."""
    from retrieval.decision import RULE_OFF
    assert engine.search(question, rule=RULE_OFF)
    assert engine.search(question) == []


def test_no_answer_rule_is_what_refuses(engine):
    # Without the rule the same question would return the least bad passage: the rule does the work.
    question = "Who won the football World Cup?"  # no year: the corpus names none it could be refused by
    from retrieval.decision import RULE_OFF
    assert engine.search(question, rule=RULE_OFF)
    assert not engine.search(question)


def test_near_identical_excerpts_are_returned_once(make_corpus):
    sentence = "The MAZ plant signed a tram agreement with Transmashholding in Yekaterinburg."
    root = make_corpus({
        "documents.yaml": "".join(
            f"- id: {name}\n  file: {name}.txt\n  title: {name}\n  language: en\n" for name in ("a", "b")),
        "a.txt": f"{sentence}\nSomething else entirely about trains.",
        "b.txt": f"Other news first. {sentence}",
    })
    hits = Engine.load(root).search("MAZ tram agreement Transmashholding", k=3)
    assert len(hits) == 1


def test_the_paragraph_answering_after_the_one_naming_the_subject_is_shown_second(engine):
    """The article names Yefimov and Alikhanov once; "The parties discussed …" two paragraphs on answers."""
    hits = engine.search("what did yefimov and alikhanov discuss")
    assert "Yefimov" in hits[0].excerpt and "The parties discussed key aspects" in hits[1].excerpt
    assert hits[1].doc_id == hits[0].doc_id and hits[1].score == hits[0].score


def test_an_article_adds_no_paragraph_when_the_first_holds_every_word(make_corpus):
    root = make_corpus({
        "documents.yaml": "".join(f"- id: {name}\n  file: {name}.txt\n  title: {name}\n  language: en\n"
                                  for name in ("a", "b")),
        "a.txt": "Yefimov met Alikhanov in Minsk.\nMinsk hosted the fair.",
        "b.txt": "Yefimov and Alikhanov spoke about trade in Minsk.",
    })
    hits = Engine.load(root).search("Yefimov Alikhanov Minsk", k=3)
    assert [hit.doc_id for hit in hits[:2]] in (["a", "b"], ["b", "a"])


def test_the_articles_second_paragraph_is_not_shown_again_as_another_articles_statement(make_corpus):
    root = make_corpus({
        "documents.yaml": "".join(f"- id: {name}\n  file: {name}.txt\n  title: {name}\n  language: en\n"
                                  for name in ("a", "b")),
        "a.txt": "Yefimov met Alikhanov in Minsk at the fair.\nThe talks in Minsk covered trade, logistics and "
                 "industrial cooperation.",
        "b.txt": "Yefimov's talks in Minsk covered trade, logistics and industrial cooperation.",
    })
    excerpts = [hit.excerpt for hit in Engine.load(root).search("what did Yefimov and Alikhanov talks in Minsk "
                                                                "at the fair cover", k=3)]
    assert sum("covered trade, logistics" in excerpt for excerpt in excerpts) == 1


def test_hits_are_ordered_by_score(engine):
    hits = engine.search("Belarus Russia cooperation", k=10)
    assert len(hits) >= 3
    assert [h.score for h in hits] == sorted((h.score for h in hits), reverse=True)


@pytest.mark.parametrize("source", ["project", pytest.param("xquad", marks=needs_xquad)])
def test_index_matches_rank_bm25_on_a_real_corpus(engine, source):
    analyzer, texts = engine.analyzer, [p.text for p in engine.passages]
    if source == "xquad":  # its passages as the engine splits them, analysed as the engine does (not encoded)
        from lab.squad import load_squad
        from retrieval.text.analysis import Analyzer
        from retrieval.text.passages import split_document
        documents = [d for lang in ("ru", "en") for d in load_squad(XQUAD / f"xquad.{lang}.dev.json", lang)[0].documents]
        analyzer = Analyzer()
        texts = [p.text for number, doc in enumerate(documents) for p in split_document(number, doc.paragraphs)]
    corpus = [analyzer.terms(text) for text in texts]
    reference = BM25Okapi(corpus, k1=bm25.K1, b=bm25.B, epsilon=bm25.EPSILON)
    ours = BM25Index.build(corpus)
    vocabulary = sorted({t for doc in corpus for t in doc})
    rng = random.Random(7)
    for _ in range(300):
        query = rng.sample(vocabulary, rng.randint(1, 6)) + ["absent-term"] * rng.randint(0, 1)
        expected, got = reference.get_scores(query), all_scores(ours, query)
        assert np.allclose(expected, got, rtol=0, atol=1e-9)
        top = top_k(*ours.candidate_scores(query), 10)
        best = np.lexsort((np.arange(len(expected)), -expected))[:len(top)]
        assert [d for d, _ in top] == [int(i) for i in best]
        assert np.allclose([s for _, s in top], expected[best], rtol=0, atol=1e-9)


def test_question_set_meets_the_targets(engine):
    questions = load_questions(ROOT / "tests" / "questions.yaml")
    assert len(questions) >= 60
    results = dict(zip((q.text for q in questions), question_ranks(engine, questions)))
    by_group = {g: [results[q.text] for q in questions if q.group == g] for g in ("same", "cross", "none")}
    same, cross, none = by_group["same"], by_group["cross"], by_group["none"]
    assert all(r is not None and r <= 3 for r, _ in same)
    assert sum(1 for r, _ in same if r == 1) >= 0.9 * len(same)
    assert sum(1 for r, _ in cross if r is not None and r <= 3) >= 0.8 * len(cross)
    assert not any(answered for _, answered in none)


def _cli(*args, stdin=""):
    return subprocess.run([sys.executable, "-m", "retrieval", *args], input=stdin, capture_output=True,
                          text=True, cwd=ROOT, timeout=120)


def test_cli_search_prints_excerpt_and_citation():
    result = _cli("search", "Какое соглашение подписал МАЗ?", "--k", "1")
    assert result.returncode == 0
    assert "**MAZ**" in result.stdout and "paragraph 3" in result.stdout and "2025-07-07" in result.stdout


def test_cli_json_batch_contract():
    result = _cli("search", "--json", "--batch", stdin="How many companies exhibited?\nWhat is the capital of France?\n")
    lines = result.stdout.splitlines()
    assert result.returncode == 0 and len(lines) == 2
    first, second = map(json.loads, lines)
    assert first["query"] == "How many companies exhibited?" and second == {
        "query": "What is the capital of France?", "hits": []}
    hit = first["hits"][0]
    assert set(hit) == {"doc_id", "title", "publisher", "date", "paragraph", "passage", "excerpt", "spans", "score"}
    assert hit["excerpt"] in hit["passage"] and isinstance(hit["paragraph"], int)
    assert all(0 <= a < b <= len(hit["excerpt"]) for a, b in hit["spans"])


def test_cli_other_corpus_folder(make_corpus):
    root = make_corpus({"documents.yaml": "- id: solo\n  file: solo.txt\n  title: Solo\n  language: en\n",
                        "solo.txt": "Penguins live in Antarctica."})
    result = _cli("search", "--corpus", str(root), "--json", "Where do penguins live?")
    assert json.loads(result.stdout)["hits"][0]["doc_id"] == "solo"


def test_cli_broken_corpus_exits_2_without_traceback(make_corpus):
    root = make_corpus({"documents.yaml": "- id: solo\n  file: missing.txt\n  language: en\n"})
    result = _cli("search", "--corpus", str(root), "anything")
    assert result.returncode == 2
    assert "documents.yaml:2" in result.stderr and "missing.txt" in result.stderr
    assert "Traceback" not in result.stderr


@pytest.mark.parametrize("hyphenated", ["weather-in-Minsk-tomorrow", "рецепт-борща-из-Беларуси"])
def test_hyphens_do_not_get_round_the_word_rule(engine, hyphenated):
    """A hyphenated word counts part by part: the word rule sees it as it sees the same words with spaces."""
    from lab.calibration import WORDS_ONLY
    spaced = hyphenated.replace("-", " ")
    assert len(engine.parse(hyphenated).known_words) == len(engine.parse(spaced).known_words) == 1
    assert len(engine.parse(hyphenated).words) == len(engine.parse(spaced).words) == 3
    assert engine.search(hyphenated, rule=WORDS_ONLY) == engine.search(spaced, rule=WORDS_ONLY) == []


def test_a_hyphenated_question_still_finds_its_compound(engine):
    assert engine.search("Belarus-Russia industrial cooperation")


def test_the_work_of_one_question_is_bounded(engine, monkeypatch):
    """The engine reads MAX_QUESTION_CHARS characters and MAX_QUESTION_WORDS distinct words, whoever calls it:
    the analyser and the encoder never see more (the work is counted, not timed: a busy machine's clock
    says nothing about it; `python -m lab bench` times questions)."""
    from retrieval.index import encoder
    from retrieval.query import MAX_QUESTION_CHARS, MAX_QUESTION_WORDS
    analysed, encoded = [], []
    analyze, encode = engine.analyzer.analyze_question, encoder.encode
    monkeypatch.setattr(engine.analyzer, "analyze_question", lambda text: analysed.append(len(text)) or analyze(text))
    monkeypatch.setattr(encoder, "encode",
                        lambda texts, **options: encoded.append([len(t) for t in texts]) or encode(texts, **options))
    rng = random.Random(3)
    chain = "-".join("".join(rng.choice("абвгдежзиклмнопрстуфх") for _ in range(5)) for _ in range(17_000))
    distinct = " ".join(f"w{i}x" for i in range(15_000))
    for question in (chain[:100_000], distinct, "МАЗ соглашение " * 100_000):
        analysed.clear(), encoded.clear()
        engine.search(question)
        assert analysed and max(analysed) <= MAX_QUESTION_CHARS
        assert all(len(call) <= MAX_QUESTION_WORDS + 1 and max(call) <= MAX_QUESTION_CHARS  # none when a name
                   for call in encoded if call)                                          # refused it first
        assert len(engine.parse(question).words) <= MAX_QUESTION_WORDS
    assert engine.search("МАЗ соглашение " + "x" * MAX_QUESTION_CHARS)  # the question's start still counts
    assert engine.parse("the " * MAX_QUESTION_CHARS + "МАЗ").words == ()  # what lies past the limit does not
