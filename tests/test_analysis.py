import pytest

from retrieval.text.analysis import Analyzer
from retrieval.corpus import load_corpus
from retrieval.text.tokens import normalise_number, tokenize
from retrieval.text.translit import name_key
from conftest import ROOT


@pytest.fixture(scope="module")
def plain():
    return Analyzer()


@pytest.fixture(scope="module")
def project():
    return Analyzer(load_corpus(ROOT / "corpus").glossary)


@pytest.mark.parametrize("inflected, base", [
    ("Минского международного выставочного центра", "Минский международный выставочный центр"),
    ("соглашения", "соглашение"),
    ("соглашениями", "соглашение"),
    ("белорусских предприятий", "белорусское предприятие"),
    ("Свердловской области", "Свердловская область"),
    ("подписали", "подписал"),
    ("ёлки", "елка"),
    ("agreements", "agreement"),
    ("exhibitions", "exhibition"),
    ("companies", "company"),
])
def test_inflections_meet(plain, inflected, base):
    assert plain.terms(inflected) == plain.terms(base)


def test_different_words_stay_apart(plain):
    assert plain.terms("соглашение") != plain.terms("контракт")
    assert plain.terms("tram") != plain.terms("train")


def test_stop_words_of_both_languages_are_dropped(plain):
    assert plain.terms("the of and и в на что") == []


def test_numbers_are_canonical():
    assert [t.norm for t in tokenize("1,000 1 000 2,5 2.5 1\u00a0000\u00a0000")] == [
        "1000", "1", "000", "2.5", "2.5", "1000000"]
    assert normalise_number("387") == "387"


def test_hyphenated_words_are_indexed_whole_and_in_parts(plain):
    terms = plain.terms("high-tech")
    assert sorted(terms) == ["high", "high-tech", "tech"]
    tokens = plain.analyze("high-tech")
    assert [(t.start, t.end) for t in tokens] == [(0, 4), (5, 9)]  # each part is a word of its own
    assert all("high-tech" in t.marks for t in tokens)  # and the whole compound marks every part
    assert "weather-in-minsk-for-tomorrow" not in plain.terms("weather-in-Minsk-for-tomorrow")  # a chain is words
    assert "state-of-the-art" in plain.terms("state-of-the-art")
    assert set(plain.terms("белорусско-российское")) >= set(plain.terms("российское"))


def test_offsets_point_into_the_original_text(plain):
    text = "Соглаше́ние «МАЗ» — high-tech!"
    for token in plain.analyze(text):
        assert text[token.start:token.end].strip() == text[token.start:token.end]
    assert text[plain.analyze(text)[0].start:plain.analyze(text)[0].end] == "Соглаше́ние"


def test_stress_marks_and_invisible_characters_do_not_split_words(plain):
    assert plain.terms("соглаше́ние") == plain.terms("соглашение")
    assert plain.terms("согла\u200bшение") == plain.terms("соглашение")


@pytest.mark.parametrize("cyrillic, latin", [
    ("Екатеринбург", "Yekaterinburg"), ("Екатеринбург", "Ekaterinburg"), ("Куйвашев", "Kuivashev"),
    ("Александр", "Alexander"), ("Александр", "Aleksandr"), ("Головченко", "Golovchenko"),
    ("Страхар", "Strakhar"), ("Трансмашхолдинг", "Transmashholding"), ("Ефимов", "Yefimov"),
    # English spelling read as it sounds
    ("Бронкос", "Broncos"), ("Виктория", "Victoria"), ("Квебек", "Quebec"), ("Франция", "France"),
    ("Кембридж", "Cambridge"), ("Ньютон", "Newton"), ("Питтсбург", "Pittsburgh"), ("Чикаго", "Chicago"),
])
def test_name_keys_ignore_romanisation(cyrillic, latin):
    assert name_key(cyrillic.lower()) == name_key(latin.lower())


def test_name_keys_are_not_made_for_short_words():
    assert name_key("мир") is None


def test_russian_surname_meets_english_spelling_through_the_key(plain):
    question = set(plain.question_terms("Что сказал Мишустиным?"))
    passage = set(plain.terms("Mikhail Mishustin said"))
    assert question & passage


def test_a_name_is_not_counted_twice_in_its_own_language(plain):
    question = plain.question_terms("Who is Golovchenko")
    passage = set(plain.terms("Roman Golovchenko said"))
    assert sum(1 for term in question if term in passage) == 1


@pytest.mark.parametrize("russian, english", [
    ("МАЗ", "MAZ"), ("МАЗа", "MAZ"), ("Минский автомобильный завод", "MAZ"), ("БелАЗ", "BelAZ"),
    ("Иннопроме", "INNOPROM"), ("ИННОПРОМ", "Innoprom"), ("Свердловской области", "Sverdlovsk"),
    ("трамваи", "tram"), ("лифтов", "elevators"), ("соглашения", "agreement"),
])
def test_glossary_joins_the_languages(project, russian, english):
    assert set(project.question_terms(russian)) & set(project.terms(english))
    assert set(project.question_terms(english)) & set(project.terms(russian))


def test_glossary_phrase_marks_every_word_but_counts_once(project):
    tokens = project.analyze("Minsk Automobile Plant")
    concept = "=maz"
    assert all(concept in t.marks for t in tokens)
    assert sum(t.terms.count(concept) for t in tokens) == 1
