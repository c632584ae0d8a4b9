import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from retrieval.text.cleaning import clean_article
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
    assert engine.paragraph(hit.doc_id, hit.paragraph).text.startswith("A prime example")


def test_long_paragraphs_are_split_on_sentences(engine):
    for passage in engine.passages:
        assert len(passage.text) <= 700 or passage.text.count(". ") == 0
    long_doc = [p for p in engine.passages if p.doc == 4 and p.paragraph == 7]
    assert len(long_doc) >= 2
    assert all(p.text[-1] in '.!?"»' for p in long_doc)


def _error(make_corpus, files) -> CorpusError:
    with pytest.raises(CorpusError) as caught:
        load_corpus(make_corpus(files)).glossary  # the glossary is read when first needed
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


@pytest.mark.parametrize("file", ["/etc/passwd", "../../../../etc/passwd", "articles/../../outside.txt",
                                  "articles/link.txt"])
def test_articles_outside_the_corpus_folder_are_refused(make_corpus, tmp_path_factory, file):
    outside = tmp_path_factory.mktemp("outside") / "secret.txt"
    outside.write_text("root bin bash", encoding="utf-8")
    root = make_corpus({"documents.yaml": MANIFEST.replace("articles/one.txt", file), "articles/one.txt": "Text."})
    (root / "articles" / "link.txt").symlink_to(outside)
    with pytest.raises(CorpusError) as caught:
        load_corpus(root)
    assert caught.value.line == 2 and "outside the corpus folder" in caught.value.message


def test_a_symlink_that_stays_inside_the_corpus_is_fine(make_corpus):
    root = make_corpus({"documents.yaml": MANIFEST.replace("articles/one.txt", "articles/link.txt"),
                        "articles/one.txt": "Text."})
    (root / "articles" / "link.txt").symlink_to(root / "articles" / "one.txt")
    assert load_corpus(root).documents[0].paragraphs == ("Text.",)


def test_a_glossary_linking_outside_is_refused(make_corpus, tmp_path_factory):
    outside = tmp_path_factory.mktemp("outside") / "glossary.yaml"
    outside.write_text("- en: [x]\n", encoding="utf-8")
    root = make_corpus({"documents.yaml": MANIFEST, "articles/one.txt": "Text."})
    (root / "glossary.yaml").symlink_to(outside)
    assert "outside" in _error(lambda files: root, {}).message


@pytest.mark.parametrize("date", ["2025-02-30", "2025-07-07 25:99:00", "2025-07-07 10:00:00", "!!timestamp 2025-02-30",
                                  "20250707", "2025-7-7"])
def test_impossible_dates_and_datetimes_name_the_line(make_corpus, date):
    error = _error(make_corpus, {"documents.yaml": MANIFEST.replace("2025-07-07", date), "articles/one.txt": "Text."})
    assert error.path.name == "documents.yaml" and error.line == 5


@pytest.mark.parametrize("name, text, line", [
    ("documents.yaml", "- ? [a, b]\n  : x\n", 1),
    ("documents.yaml", "- id: one\n  title: !!int 1e9\n  file: articles/one.txt\n  language: en\n", 2),
    ("documents.yaml", "- id: one\n  url: ftp://e.com/a\n  file: articles/one.txt\n  language: en\n", 2),
    ("glossary.yaml", "- en: [2025-02-30]\n  ru: [!!timestamp 2025-02-30]\n", 2),
    ("glossary.yaml", "- ? {a: 1}\n  : [x]\n", 1),
])
def test_odd_yaml_values_name_the_line(make_corpus, name, text, line):
    files = {"documents.yaml": MANIFEST, "articles/one.txt": "Text.", name: text}
    error = _error(make_corpus, files)
    assert error.path.name == name and error.line == line


def test_deeply_nested_yaml_is_an_error_not_a_crash(make_corpus):
    error = _error(make_corpus, {"documents.yaml": "[" * 50_000 + "]" * 50_000, "articles/one.txt": "Text."})
    assert error.path.name == "documents.yaml"


def test_a_settings_file_that_is_not_utf8_names_the_line(tmp_path):
    from bot.config import ConfigError, load_settings
    path = tmp_path / "bot.yaml"
    path.write_bytes(b"page_size: 2\nlog_level: \xff\n")
    with pytest.raises(ConfigError, match=r"bot\.yaml:2: not valid UTF-8"):
        load_settings({"BOT_CONFIG": str(path)})
    path.write_text("page_size: 2\ndate: 2025-02-30\n? [a]\n: 1\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"bot\.yaml:3"):
        load_settings({"BOT_CONFIG": str(path)})


# --- random manifests and glossaries: a CorpusError naming the file, or a corpus; never anything else ------

_scalars = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20),
                     st.sampled_from(["2025-02-30", "2025-07-07", "2025-07-07 10:00:00", "articles/one.txt", "en",
                                      "ru", "/etc/passwd", "../x", "https://e.com/", "one", ""]))
_values = st.recursive(_scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                          st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                       max_leaves=8)
_entry = st.dictionaries(st.sampled_from(["id", "file", "title", "publisher", "date", "language", "url", "x", "en",
                                          "ru"]), _values, max_size=7)
_yaml_texts = st.one_of(
    st.lists(st.one_of(_entry, _values), max_size=4).map(lambda v: yaml.safe_dump(v, allow_unicode=True)),
    st.text(max_size=200),
    st.lists(st.sampled_from(["- ", "id: ", "? [a]\n", ": ", "!!timestamp 2025-02-30", "!!float 1e999", "[", "{",
                              "&a ", "*a", "\n  ", "\t", "'", '"', "\xff", "2025-13-01", "language: en"]),
             max_size=30).map("".join),
)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(_yaml_texts, _yaml_texts)
def test_any_manifest_or_glossary_loads_or_names_its_file(tmp_path_factory, manifest, glossary):
    from retrieval import Engine
    root = tmp_path_factory.mktemp("random")
    (root / "articles").mkdir()
    (root / "articles" / "one.txt").write_text("MAZ signed an agreement.", encoding="utf-8")
    (root / "documents.yaml").write_text(manifest, encoding="utf-8")
    (root / "glossary.yaml").write_text(glossary, encoding="utf-8")
    try:
        engine = Engine.load(root, saved_index=False)
    except CorpusError as error:
        assert error.path.name in ("documents.yaml", "glossary.yaml", "one.txt") and error.message
    else:
        assert engine.documents
