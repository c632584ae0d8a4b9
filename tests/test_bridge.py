"""The word bridge (issue 9): ordinary words meet their translations without a glossary; names, highlights
and the saved index keep their rules."""

import numpy as np

from retrieval import Engine
from retrieval.index import encoder, vectorcache
from retrieval.index.bridge import Bridge, word_texts
from retrieval.corpus import Corpus
from conftest import article

PARAGRAPHS = ("The trade agreement between the two plants was signed in July.",
              "The weather at the fair was hot and dry.",
              "Norman Foster designed the new pavilion.")


def _engine() -> Engine:
    return Engine.build(Corpus(None, (article("a", "en", PARAGRAPHS),)))


def test_an_ordinary_word_meets_its_translation_without_a_glossary():
    engine = _engine()
    query = engine.parse("Когда подписали торговое соглашение?")
    translations = {word.terms - word.translations: word.translations for word in query.words}
    assert any("agreement" in found for found in translations.values()), translations
    assert all(word.known for word in query.words)
    hit = engine.search("Когда подписали торговое соглашение?", k=1)[0]
    assert hit.paragraph == 1
    assert hit.spans == ()  # a translation ranks, it is not what the user wrote: nothing is marked


def test_words_as_written_are_still_marked_beside_translations():
    hit = _engine().search("When was the trade соглашение signed?", k=1)[0]
    assert hit.paragraph == 1
    assert sorted(hit.excerpt[a:b] for a, b in hit.spans) == ["signed", "trade"]


def test_names_are_spelled_not_translated():
    query = _engine().parse("Что спроектировал Норман Фостер?")
    names = [word for word in query.words if any(term.startswith("~l:") for term in word.terms)]
    assert len(names) == 2 and not any(word.translations for word in names)
    assert _engine().search("Что спроектировал Норман Фостер?", k=1)[0].paragraph == 3


def test_an_off_subject_question_is_not_made_known_by_its_common_words():
    engine = _engine()
    assert engine.search("Когда открывается новый аквапарк?") == []


def test_a_known_word_is_never_encoded_twice(monkeypatch):
    monkeypatch.setenv(vectorcache.PATH_ENV, "")  # the bridge alone, not the vector cache, keeps them
    first = Bridge.build({"agreement": "agreement", "weather": "weather"})
    encoded = []
    encode = encoder.encode
    monkeypatch.setattr(encoder, "encode", lambda texts: encoded.extend(texts) or encode(texts))
    second = Bridge.build({"agreement": "agreement", "weather": "weather", "pavilion": "pavilion"}, first)
    assert encoded == ["pavilion"]
    assert second.terms == ("agreement", "pavilion", "weather")
    assert np.array_equal(second.vectors[0], first.vectors[0]) and np.array_equal(second.vectors[2], first.vectors[1])
    assert _translate(second, ["павильон"]) == {"павильон": ("pavilion",)} and _translate(second, []) == {}


def test_a_word_the_corpus_holds_is_translated_into_the_other_script_only():
    bridge = Bridge.build({"agreement": "agreement"})
    assert bridge.translatable({"agreement": "agreement", "соглашение": "соглашен"}) == {"соглашение": "соглашен"}
    assert _translate(bridge, ["соглашение"]) == {"соглашение": ("agreement",)}


def test_a_word_the_corpus_lacks_takes_the_closest_word_of_its_own_script():
    bridge = Bridge.build({"agreement": "agreement", "weather": "weather"})
    assert bridge.translatable({"agreements": "agreements"}) == {"agreements": "agreements"}
    assert _translate(bridge, ["agreements"]) == {"agreements": ("agreement",)}
    assert _translate(bridge, ["tram"]) == {"tram": ()}  # nothing of its script is close enough


def _translate(bridge: Bridge, words: list[str]) -> dict[str, tuple[str, ...]]:
    return bridge.translate({word: word for word in words}, encoder.encode(word_texts(words)))


def test_when_no_word_matches_the_excerpt_is_the_window_closest_in_meaning():
    from retrieval.text.analysis import Analyzer
    from retrieval.excerpt import choose_excerpt
    from retrieval.text.passages import passage_sentence_spans
    from retrieval.query import Query
    passage = ("The pavilion was painted blue and white. Visitors could taste Belarusian cheese and bread. "
               "The stand closed at six in the evening.")
    vector = encoder.encode(["Какую еду можно было попробовать?"])[0]
    cosines = encoder.encode([passage[start:end] for start, end in passage_sentence_spans(passage)]) @ vector
    excerpt = choose_excerpt(passage, Analyzer().analyze(passage), Query("?", (), ()), cosines)
    assert excerpt.text.startswith("Visitors could taste Belarusian cheese") and excerpt.spans == ()


def test_translations_bring_at_most_their_share_of_candidates(monkeypatch):
    from retrieval import scoring
    passages = tuple(f"The agreement number {n} was signed in Minsk." for n in range(20))
    engine = Engine.build(Corpus(None, (article("a", "en", passages),)))
    monkeypatch.setattr(scoring, "DENSE_CANDIDATES", 1)
    assert len(engine.score("соглашение").ids) == 20
    monkeypatch.setattr(scoring, "TRANSLATED_CANDIDATES", 3)
    assert len(engine.score("соглашение").ids) <= 3 + 1
