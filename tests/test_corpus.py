import pytest

from retrieval.cleaning import clean_article
from retrieval.corpus import load_corpus
from retrieval.errors import CorpusError
from conftest import ROOT

SEEDS = ROOT.parent / "shared" / "seeds"
MANIFEST = """\
- id: one
  file: articles/one.txt
  title: "One"
  publisher: ""
  date: 2025-07-07
  language: en
  url: ""
"""


def test_project_corpus_keeps_seeds_verbatim():
    corpus = load_corpus(ROOT / "corpus")
    assert len(corpus.documents) == 5
    if SEEDS.exists():
        seeds = sorted(p.read_bytes() for p in SEEDS.glob("*.txt"))
        ours = sorted(doc.path.read_bytes() for doc in corpus.documents)
        assert seeds == ours


def test_metadata_comes_from_the_texts():
    docs = {d.id: d for d in load_corpus(ROOT / "corpus").documents}
    assert docs["innoprom-day-two-delegation"].date == "2025-07-07"
    assert docs["innoprom-belarus-interregional"].date == "2025-09-29"
    assert docs["innoprom-strategic-session"].publisher == "BelTA"
    assert docs["yefimov-alikhanov-meeting"].publisher == "sputnik.by"
    assert docs["lukashenko-kuivashev-meeting"].publisher == ""
    assert docs["lukashenko-kuivashev-meeting"].date == ""


def test_date_header_becomes_metadata_and_leaves_the_text():
    article = clean_article(" date 2025-07-07 The second day began.\n\nMore.")
    assert article.date == "2025-07-07"
    assert article.paragraphs == ("The second day began.", "More.")


def test_price_debris_is_dropped():
    article = clean_article(" date 2025-09-29 3.64 BYN\nЗаголовок\nТекст.")
    assert article.paragraphs == ("Заголовок", "Текст.")


def test_source_trailer_becomes_publisher():
    article = clean_article("Text one.\nSource: sputnik.by")
    assert article.source == "sputnik.by" and article.paragraphs == ("Text one.",)


def test_an_article_pasted_twice_keeps_each_paragraph_once():
    docs = {d.id: d for d in load_corpus(ROOT / "corpus").documents}
    paragraphs = docs["yefimov-alikhanov-meeting"].paragraphs
    assert len(paragraphs) == len(set(paragraphs)) == 6
    assert sum("Rogozhnik" in p for p in paragraphs) == 1


def test_paragraph_numbers_follow_the_cleaned_article(engine):
    hit = engine.search("Voevoda tram")[0]
    assert hit.doc_id == "innoprom-day-two-delegation" and hit.paragraph == 4
    assert engine.paragraph(hit.doc_id, hit.paragraph).startswith("A prime example")


def test_long_paragraphs_are_split_on_sentences(engine):
    for passage in engine.passages:
        assert len(passage.text) <= 700 or passage.text.count(". ") == 0
    long_doc = [p for p in engine.passages if p.doc == 4 and p.paragraph == 7]
    assert len(long_doc) >= 2
    assert all(p.text[-1] in '.!?"»' for p in long_doc)


def _error(make_corpus, files) -> CorpusError:
    with pytest.raises(CorpusError) as caught:
        load_corpus(make_corpus(files))
    return caught.value


def test_missing_manifest(make_corpus):
    error = _error(make_corpus, {"articles/one.txt": "x"})
    assert error.path.name == "documents.yaml" and "not found" in error.message


def test_bad_yaml_names_the_line(make_corpus):
    error = _error(make_corpus, {"documents.yaml": "- id: one\n  file: [unclosed\n"})
    assert error.path.name == "documents.yaml" and error.line in (2, 3)
    assert str(error).startswith(str(error.path) + ":")


def test_missing_article_names_the_manifest_line(make_corpus):
    error = _error(make_corpus, {"documents.yaml": MANIFEST})
    assert error.line == 2 and "articles/one.txt" in error.message


@pytest.mark.parametrize("change, line, words", [
    (("id: one", "id: One!"), 1, "lowercase"),
    (("language: en", "language: de"), 6, "language"),
    (("date: 2025-07-07", "date: July"), 5, "ISO date"),
    (("url: \"\"", "url: \"\"\n  author: x"), 8, "unknown field 'author'"),
    (("  title: \"One\"\n", ""), 1, None),
])
def test_bad_fields_name_the_line(make_corpus, change, line, words):
    manifest = MANIFEST.replace(*change)
    error = _error(make_corpus, {"documents.yaml": manifest, "articles/one.txt": "Text."}) if words else None
    if words:
        assert error.line == line and words in error.message
    else:
        assert load_corpus(make_corpus({"documents.yaml": manifest, "articles/one.txt": "Text."})).documents


def test_duplicate_ids_are_refused(make_corpus):
    error = _error(make_corpus, {"documents.yaml": MANIFEST + MANIFEST, "articles/one.txt": "Text."})
    assert error.line == 8 and "duplicate id" in error.message and "line 1" in error.message


def test_duplicate_keys_are_refused(make_corpus):
    error = _error(make_corpus, {"documents.yaml": MANIFEST.replace("url: \"\"", "url: \"\"\n  url: x"),
                                 "articles/one.txt": "Text."})
    assert error.line == 8 and "duplicate key" in error.message


def test_bad_encoding_names_the_article_and_line(make_corpus):
    error = _error(make_corpus, {"documents.yaml": MANIFEST, "articles/one.txt": b"Line one.\nBad \xff byte."})
    assert error.path.name == "one.txt" and error.line == 2 and "UTF-8" in error.message


def test_manifest_date_disagreeing_with_header(make_corpus):
    error = _error(make_corpus, {"documents.yaml": MANIFEST, "articles/one.txt": "date 2024-01-01 Text."})
    assert error.line == 5 and "disagrees" in error.message


def test_glossary_errors_name_the_line(make_corpus):
    files = {"documents.yaml": MANIFEST, "articles/one.txt": "Text."}
    error = _error(make_corpus, {**files, "glossary.yaml": "- en: [MAZ]\n  ru: МАЗ\n- en: [tram]\n  de: [Tram]\n"})
    assert error.path.name == "glossary.yaml" and error.line == 4 and "'de'" in error.message
    from retrieval import Engine
    with pytest.raises(CorpusError) as caught:
        Engine.load(make_corpus({**files, "glossary.yaml": "- en: [tram]\n- en: [trams]\n  ru: [трамвай]\n"}))
    assert caught.value.line == 2 and "line 1" in caught.value.message
