"""Questions as people type them: slips and the wrong keyboard are read as the corpus words meant
(`retrieval.text.spelling`), and the excerpt holds the kind of answer asked for (`retrieval.asking`)."""

import time
from functools import partial

import pytest

from conftest import ROOT
from retrieval import asking


@pytest.mark.parametrize("typed, read", [
    ("иннопрм сколько стран", "иннопром сколько стран"),
    ("соглашеине маз", "соглашений маз"),  # a form the corpus writes: the lemma meets
    ("kakoe soglashenie podpisal maz", "какое соглашение подписал maz"),
    ("skolko proektov importozamescheniya", "сколько проектов импортозамещения"),
    ("chto skazal mishustin pro vystavku", "что сказал mishustin про выставку"),  # "pro" is English too
    ("где ездит юнион маз", "где ездит union маз"),  # a name spelling out the corpus's English word
    ("gde ezdit yunion maz", "где ездит union maz"),
    ("chto to skazal golovchenko", "что то сказал golovchenko"),  # "to" is the corpus's English word too
    ("chto skazal Sam Altman pro vystavku", "что сказал Sam Altman про выставку"),  # a capitalised one is a name
    ("skolko proektov po importozamesheniyu", "сколько проектов по импортозамещению"),  # no soft sign, "sh" for "щ"
    ("importozameshchenie proekty", "импортозамещение проекты"),  # "shch"
    ("skolko stran uchastvovalo", "сколько стран участвовало"),
    ("When was Konstantin Balmont born?", "When was Konstantin Balmont born?"),  # names: "Balmont" no "Бальмонт"
    ("kogda otsenili sotrudnichestvo", "когда оценили сотрудничество"),  # "ts" for "ц"
])
def test_slips_and_latin_letter_russian_are_read_as_the_corpus_words_meant(engine, typed, read):
    assert engine.understood(typed) == read


@pytest.mark.parametrize("question", ["Who ruled the Normans in the tenth century?", "соглашения с узбекистаном",
                                      "Какое соглашение подписал МАЗ?", "hannover messe 2023",
                                      "Кто гендиректор Могилевлифтмаша?", "Сколько стран участвовало в Иннопроме?",
                                      "где ездит трамвай", "какая сессия была важной"])
def test_real_words_and_the_corpus_words_in_any_form_are_left_as_written(engine, question):
    """Gendirector of "Могилевлифтмаш" (the glossary's spelling; the articles misspell it) and "Иннопроме"
    (an inflection) are the corpus's words even where its text has no such form."""
    assert engine.understood(question) == question


def test_a_question_told_plainly_written_is_one_the_speller_leaves_as_written(engine):
    """The start answers such a question without building the speller: it must change none of them, and
    still see the slips and scripts it exists for."""
    from lab.typed import load_typed
    from retrieval.text.spelling import reads_as_written
    typed = load_typed(ROOT / "tests" / "typed_questions.yaml")
    questions = [q.text for q in typed] + ["How many points did the Panthers defense surrender?"]
    plain = [q for q in questions if reads_as_written(q, engine._holds_word)]
    assert len(plain) > len(questions) / 3
    assert [q for q in plain if engine._spelling().read(q) != q] == []
    for slip in ("иннопрм сколько стран", "skolko proektov importozamescheniya", "юнион маз", "Страхр кто такой"):
        assert not reads_as_written(slip, engine._holds_word)


@pytest.mark.parametrize("polite, plain", [
    ("Уважаемый бот, скажите пожалуйста, что именно Беларусь поставляет в Свердловскую область?",
     "что Беларусь поставляет в Свердловскую область?"),
    ("Hello bot, please, what does Belarus supply to Sverdlovsk? Thanks!", "what does Belarus supply to Sverdlovsk?"),
])
def test_courtesy_carries_no_topic(engine, polite, plain):
    """"please" would find "please tell us" in a quote, and outweigh the question's own words."""
    words = lambda question: [word.terms for word in engine.parse(question).words]
    assert words(polite) == words(plain)


def test_the_example_questions_are_read_as_written(engine):
    from bot.texts import EXAMPLES
    assert [q for lang in EXAMPLES for q in EXAMPLES[lang] if engine.understood(q) != q] == []


def test_a_long_question_before_leaves_room_for_the_follow_up(engine):
    from retrieval.query import MAX_QUESTION_CHARS
    read = engine.read_after("Какое соглашение подписал МАЗ " * 100, "а когда?")
    assert len(read) <= MAX_QUESTION_CHARS and read.endswith("? а когда?") and asking.kind(read) == "date"


@pytest.mark.parametrize("question, kind", [("сколько стоит самолет", "price"), ("How many companies came?", "number"),
                                            ("price of a Union MAZ", "price"), ("на какую сумму подписали", "price"),
                                            ("how much did the tram cost?", "price"), ("how much trade?", "number"),
                                            ("сколько стоил трамвай", "price"),
                                            ("what did golovchenko say about prices", "quote"),
                                            ("когда подписали соглашение", "date"), ("When was it signed?", "date"),
                                            ("Какое соглашение подписал МАЗ?", None),
                                            ("what did golovchenko say about innoprom", "quote"),
                                            ("and what else did he say?", "quote"),
                                            ("что Лукашенко сказал про Освей", "quote"),
                                            ("кто это сказал?", None),
                                            ("What is the plant said to be the largest?", None),
                                            ("Что за компания заявила о банкротстве?", None),
                                            ("стратегическая сессия название", "title"),
                                            ("как называлась сессия?", "title")])
def test_the_kind_of_answer_is_read_from_the_question(question, kind):
    assert asking.kind(question) == kind


@pytest.mark.parametrize("text, quote, title", [
    ("“You are real friends for us, the closest ones,” he said.", True, True),
    ('"The Republic of Belarus has been participating in Innoprom for more than 10 years"', True, True),
    ("ОАО «МАЗ» подписало соглашение.", False, True),  # a name in quotation marks is no quotation
    ('The "Voevoda" tram was shown.', False, True),
    ("Union MAZ buses run in Saint Petersburg.", False, False),
])
def test_a_quotation_is_words_quoted_and_a_title_any_name_in_quotation_marks(text, quote, title):
    assert asking.holds("quote", text) == quote and asking.holds("title", text) == title


@pytest.mark.parametrize("text, number", [
    ("On July 8, a major session took place.", False),  # a day is no count
    ("8 июля прошла сессия.", False),
    ("The fair has been held in Ekaterinburg since 2010.", False),  # nor is a year
    ("More than 1,000 companies from 35 countries are featured.", True),
    ("In 2025 they signed 10 documents.", True),
    ("Today we have almost $1 billion in mutual trade.", True),
    ("Товарооборот достиг 2,5 млрд долларов.", True),
    ("Посетили 1900 человек.", True), ("More than 2000 companies took part.", True),  # counts, not years
    ("It is one of the largest fairs.", False), ("Это одна из крупнейших выставок.", False),
    ("It took place in 2019.", False), ("в 2019–2020 годах", False),
])
def test_a_how_many_answer_holds_a_count_or_an_amount_not_a_date(text, number):
    assert asking.holds("number", text) == number


@pytest.mark.parametrize("text, price", [("agreements totaling $387 million", True), ("почти 1 млрд долларов", True),
                                         ("3.64 BYN", True), ("100 units of such models", False),
                                         ("работают за рубежом", False), ("prices rose 10%", True)])
def test_a_price_is_an_amount_of_money(text, price):
    assert asking.holds("price", text) == price


@pytest.mark.parametrize("question, subject", [("сколько стоит самолет освей?", "самолет освей"),
                                               ("price of a Union MAZ", "Union MAZ")])
def test_a_price_question_no_leading_passage_answers_is_refused(engine, question, subject):
    """Typed near misses of the tune part: the articles name the plane and the bus (asked alone, they are
    answered), but give no price."""
    assert engine.search(subject)
    assert engine.search(question) == []


@pytest.mark.parametrize("question, answer", [("на какую сумму подписали соглашения белорусские предприятия",
                                               "$387 million"), ("сколько стран на иннопроме", "35 countries")])
def test_a_how_many_or_price_question_the_corpus_answers_is_answered(engine, question, answer):
    assert any(answer in hit.excerpt for hit in engine.search(question))


@pytest.mark.parametrize("question, unknown", [("innoprom 2019 partner country", None),  # a year the text writes
                                               ("что подписали на иннопроме 2025", None),  # one an article is dated in
                                               ("сколько юнион маз выпустят в 2026 году", "2026"),
                                               ("итоги 2019-2026", "2026"), ("3.64 BYN", None)])
def test_a_year_is_unknown_when_no_article_writes_it_or_is_dated_in_it(question, unknown):
    assert asking.unknown_year(question, {"2019", "innoprom"}, frozenset({"2025"})) == unknown


def test_a_question_about_a_year_the_corpus_never_names_is_refused(engine):
    """The articles, dated 2025, say "this year, 100 units … are expected": that answers 2025, not 2026."""
    assert any("100 units" in hit.excerpt for hit in engine.search("сколько юнион маз выпустят в 2025 году"))
    assert engine.search("сколько юнион маз выпустят в 2026 году") == []


@pytest.mark.parametrize("excerpt, marked, counts", [
    ("more than 1,000 companies from 35 countries", "countries", True),
    ("agreements totaling $387 million were signed by the companies", "companies", False),
    ("сотрудничают две страны", "страны", True),
])
def test_a_count_stands_just_before_the_counted_word(excerpt, marked, counts):
    start = excerpt.index(marked)
    assert asking.counts_a_question_word(excerpt, ((start, start + len(marked)),)) == counts


def test_a_how_many_question_gets_the_sentences_with_the_number(engine):
    """Without the kind of answer, the first sentence alone would be the excerpt: it holds the same words."""
    import numpy as np
    from retrieval.excerpt import choose_excerpt
    passage = "Many countries sent trams to the fair. In all, 35 came. The weather was fine."
    query = engine.parse("how many countries sent trams to the fair")
    wanted = partial(asking.holds, asking.kind("how many countries sent trams"))
    excerpt = choose_excerpt(passage, engine.analyzer.analyze(passage), query, np.zeros(3, dtype=np.float32), wanted)
    assert excerpt.text == "Many countries sent trams to the fair. In all, 35 came."
    plain = choose_excerpt(passage, engine.analyzer.analyze(passage), query, np.zeros(3, dtype=np.float32))
    assert plain.text == "Many countries sent trams to the fair."


async def test_the_reply_says_how_a_question_was_read(engine):
    from bot.config import Settings
    from bot.service import AnswerService
    from bot.store import SQLiteStore
    service = AnswerService(engine, SQLiteStore(":memory:"), Settings())
    slip = await service.ask("иннопрм сколько стран", "ru", 1)
    plain = await service.ask("иннопром сколько стран", "ru", 1)
    assert slip.text.startswith("Понял как: <i>иннопром сколько стран</i>") and "Понял как" not in plain.text
    refused = await service.ask("сколько юнион маз выпустят в 2026 году", "ru", 2)  # suggested as understood
    assert "нет ответа" in refused.text and refused.buttons[0][0].label == "Где уже ездит Union MAZ?"
    await service.drain()
    service.close()


@pytest.mark.parametrize("question, follows", [
    ("а какая цель?", True), ("and when was it signed?", True), ("а где они уже ездят?", True), ("когда?", True),
    ("на какую сумму?", True), ("what else do they supply for mining", True), ("а в 2024?", True),
    ("Какое соглашение подписал МАЗ?", False), ("а что подписал МАЗ?", False), ("кто премьер беларуси", False),
    ("маз соглашение", False), ("How many companies exhibited?", False), ("Какой трамвай показали?", False),
    ("Когда?", True), ("что такое импортозамещение?", False), ("is there a tram in yekaterinburg?", False)])
def test_a_follow_up_is_a_short_question_naming_no_subject_of_its_own(engine, question, follows):
    assert engine.follows_on(question) == follows


async def test_a_follow_up_is_read_after_the_chats_last_question_until_it_is_too_old(engine):
    from bot.config import Settings
    from bot.service import AnswerService
    from bot.store import SQLiteStore
    class SlowToKeep(SQLiteStore):  # keeping a chat's question takes a while, the first longest (a busy database)
        delays = [0.3, 0.05]

        def remember(self, *args):
            time.sleep(self.delays.pop(0) if self.delays else 0)
            super().remember(*args)

    service = AnswerService(engine, SlowToKeep(":memory:"), Settings())
    await service.ask("Какое соглашение подписал МАЗ?", "ru", 1)
    await service.ask("Сколько Union MAZ выпустят в этом году?", "ru", 1)  # typed at once after: it is the one followed
    await service.drain()  # the slower, older write ended last: it must not have replaced the newer
    follow_up = await service.ask("а где они уже ездят?", "ru", 1)
    assert follow_up.text.startswith("Понял как: <i>Сколько Union MAZ выпустят в этом году? а где они уже ездят?</i>")
    assert "Saint Petersburg" in follow_up.text
    alone = await service.ask("а где они уже ездят?", "ru", 2)  # another chat: nothing to go on from
    assert "Понял как" not in alone.text
    await service.drain()
    service.close()
    stale = AnswerService(engine, SQLiteStore(":memory:"), Settings(follow_up_minutes=0))
    await stale.ask("Сколько Union MAZ выпустят в этом году?", "ru", 1)
    assert "Понял как" not in (await stale.ask("а где они уже ездят?", "ru", 1)).text
    await stale.drain()
    stale.close()


@pytest.mark.parametrize("text, last", [
    ("а какая цель?", "а какая цель?"),
    ("Кто поздравил Лукашенко? and what else did he say?", " and what else did he say?"),
    ("Hello! Who met the governor?!", " Who met the governor?!"), ("one? ?! ", "one? ?! "), ("", ""),
    ("когда была встреча?\xa0", "когда была встреча?\xa0"), ("сколько стран? 🙂", "сколько стран? 🙂")])
def test_the_last_sentence_is_what_is_asked(text, last):
    from retrieval.query import last_sentence_start
    assert text[last_sentence_start(text):] == last


def test_a_follow_ups_own_words_choose_the_excerpt_over_the_words_of_the_question_before(engine):
    """The passage holds both; the question before has more words in the first sentences, the follow-up's
    own word only in the last. Asked alone, the same words choose the other window."""
    import numpy as np
    from retrieval.excerpt import choose_excerpt
    passage = ("Lukashenko and Kuivashev met in Minsk. Their first meeting was in 2019. Lots of snow fell. "
               "Today trade turnover is almost one billion dollars.")
    tokens = engine.analyzer.analyze(passage)
    previous = "when did lukashenko and kuivashev first meet"
    follow_up = engine.parse(engine.read_after(previous, "and the trade turnover?"))
    assert [w.asked for w in follow_up.words].count(True) >= 1
    excerpt = choose_excerpt(passage, tokens, follow_up, np.zeros(4, dtype=np.float32))
    assert "Today trade turnover" in excerpt.text
    alone = engine.parse("when did lukashenko and kuivashev first meet and the trade turnover")
    assert not any(w.asked for w in alone.words)
    assert "Today trade turnover" not in choose_excerpt(passage, tokens, alone, np.zeros(4, dtype=np.float32)).text


@pytest.mark.parametrize("previous, question, answer", [
    ("когда была первая встреча лукашенко и куйвашева?", "а какой у них сейчас товарооборот?",
     "Today we have almost $1 billion in mutual trade"),
    ("Что Лукашенко говорил про БелАЗ?", "what else do they supply for mining",
     "equipment, machinery and components for the mining and metallurgical industries")])
def test_a_follow_up_is_answered_by_the_sentence_holding_its_own_words(engine, previous, question, answer):
    """Typed follow-ups of the tune part whose answer was in the first passage but not its excerpt."""
    assert answer in engine.search(engine.read_after(previous, question))[0].excerpt


@pytest.mark.parametrize("question", ["what did kuivashev say about belarusians",
                                      "Кто поздравил Лукашенко с победой на выборах? and what else did he say?"])
def test_what_someone_said_is_the_quotation_after_the_paragraph_naming_them(engine, question):
    """The paragraph naming Kuivashev quotes nobody; the next one quotes him ("the governor said")."""
    hits = engine.search(question)
    assert "You are real friends for us" in hits[0].excerpt and any("Kuivashev" in hit.excerpt for hit in hits[1:])


def test_the_quotation_after_a_paragraph_is_taken_only_when_that_paragraph_ends_naming_the_speaker():
    from conftest import article
    from retrieval.corpus import Corpus
    from retrieval.engine import Engine
    engine = Engine.build(Corpus(None, (
        article("a", "en", ("Minister Ivan Petrov met Governor Oleg Sidorov in Perm.",
                            "In turn, Oleg Sidorov thanked the guests.",
                            "“We will build the bridge,” the governor said.",
                            "“The bridge opens in May,” Ivan Petrov said.")),
        article("b", "en", ("Governor Oleg Sidorov spoke last.",)),
        article("c", "en", ("“Yes,” he said.",)))))
    first = {(engine.passages[i].doc, engine.passages[i].paragraph): i for i in range(len(engine.passages))}
    said = engine._said_next
    assert said(first[0, 2], engine.parse("what did sidorov say")) == first[0, 3]  # the subject, then his words
    assert said(first[0, 2], engine.parse("what did petrov say")) is None  # the quotation is Sidorov's
    assert said(first[0, 3], engine.parse("what did sidorov say")) is None  # that paragraph quotes already
    assert said(first[1, 1], engine.parse("what did sidorov say")) is None  # the next is another article's
    assert said(first[0, 2], engine.parse("who thanked the guests? and what else did he say?")) == first[0, 3]


def test_a_quotation_question_is_searched_without_its_verb_of_speech():
    assert asking.searched("what did golovchenko say about innoprom") == "what did golovchenko   about innoprom"
    assert asking.searched("Кто поздравил Лукашенко? а что он сказал?") == "Кто поздравил Лукашенко? а что он  ?"
    assert asking.searched("Who said it? And what did they say?") == "Who said it? And what did they  ?"  # the asked


@pytest.mark.parametrize("question, speaker", [("what did Putin say about trams", "Putin"),
                                               ("What did Medvedev tell the press?", "Medvedev"),
                                               ("what did golovchenko say", None), ("what else did he say", None),
                                               ("what did the governor say", None), ("что сказал путин", None)])
def test_a_speaker_the_corpus_never_names_is_unknown(engine, question, speaker):
    assert asking.unknown_speaker(question, engine._holds_word) == speaker


@pytest.mark.parametrize("question, said", [("what did golovchenko say", "Golovchenko"),
                                            ("what did Putin say about trams", None)])
def test_what_a_person_said_is_not_anyone_saying_something(engine, question, said):
    """"They say it has changed a lot" (Lukashenko) led both: the verb of speech was searched as a word."""
    hits = engine.search(question)
    assert (said in " ".join(hit.passage for hit in hits[:2]) and "They say" not in hits[0].excerpt) if said \
        else hits == []


@pytest.mark.parametrize("passage, question, excerpt", [
    ("The governor spoke. “We are getting closer and closer every year. We are implementing many large projects. "
     "You are real friends,” the governor said.", "what did the governor say about friends",
     "“We are getting closer and closer every year. We are implementing many large projects. You are real friends,” "
     "the governor said."),
    ("Министр выступил. «Мы становимся ближе с каждым годом. Мы реализуем много крупных проектов. Вы наши "
     "друзья», — сказал губернатор.", "что сказал губернатор про друзей",
     "«Мы становимся ближе с каждым годом. Мы реализуем много крупных проектов. Вы наши друзья», — сказал "
     "губернатор."),
    ("Trams ran. The governor said “no”. Friends came.", "friends came", "Friends came.")])
def test_an_excerpt_starts_where_its_quotation_opens(engine, passage, question, excerpt):
    """The window holding the question's words alone ends a quotation opened two sentences before."""
    import numpy as np
    from retrieval.excerpt import choose_excerpt
    tokens = engine.analyzer.analyze(passage)
    assert choose_excerpt(passage, tokens, engine.parse(question), np.zeros(5, dtype=np.float32)).text == excerpt


@pytest.mark.parametrize("question", ["kakoe soglashenie podpisal maz", "какое соглашение подписал маз",
                                      "когда подписали соглашение маз"])
def test_a_generic_sentence_holding_only_common_words_does_not_lead(engine, question):
    """The issue's examples: «Ожидается подписание контрактов, соглашений.» led, the MAZ agreement second."""
    assert engine.search(question)[0].excerpt.startswith("On July 8, a cooperation agreement was signed")


@pytest.mark.parametrize("question, answers", [("иннопрм сколько стран", ("from 35 countries",)),
                                               ("Какого числа прошла большая стратегическая сессия на Иннопроме?",
                                                ("On July 8, a major session", "YEKATERINBURG, 10 July")),
                                               ("what did golovchenko say about innoprom",
                                                ("the largest and most important congress",)),
                                               ("Подскажите, пожалуйста, сколько компаний и из скольких стран "
                                                "участвовали в Иннопроме в Екатеринбурге?",
                                                ("1,000 companies from 35 countries",))])
def test_the_leading_excerpt_holding_the_kind_asked_and_the_questions_words_goes_first(engine, question, answers):
    """Typed questions of the tune part whose answer was second or third, behind an excerpt naming the fair."""
    assert any(answer in engine.search(question)[0].excerpt for answer in answers)


def test_a_hit_ranked_far_below_the_first_does_not_lead_however_much_its_excerpt_holds():
    from retrieval.engine import Hit, _leading_excerpt
    from retrieval.query import Query, QueryWord
    words = (QueryWord(frozenset({"a"}), 1.0, True), QueryWord(frozenset({"b"}), 2.0, True))
    query = Query("a b", words, ("a", "b"))
    hits = [Hit(None, 0, "", text, (), score) for text, score in (("a.", 1.0), ("a and b.", 0.3), ("b.", 0.9))]
    terms = [frozenset({"a"}), frozenset({"a", "b"}), frozenset({"b"})]
    assert _leading_excerpt(hits, terms, query, None) == 2  # the second holds more, but ranks too low
    assert _leading_excerpt(hits[:1], terms, query, None) == 0
    assert _leading_excerpt(hits[:3:2], [terms[0], frozenset({"a", "b"})], query, None) == 1
    heavy = Query("c d", (QueryWord(frozenset({"c"}), 1.0, True), QueryWord(frozenset({"d"}), 4.0, True)), ("c", "d"))
    assert _leading_excerpt(hits[:3:2], [frozenset({"d"}), frozenset({"c", "d"})], heavy, None) == 0  # 4 ≥ 0.8 × 5
    number = [Hit(None, 0, "", "b.", (), 1.0), Hit(None, 0, "", "b, 7.", (), 0.9)]
    number_asked = partial(asking.holds, "number")
    assert _leading_excerpt(number, [frozenset({"b"})] * 2, query, number_asked) == 1  # the number asked for
    assert _leading_excerpt(number, [frozenset({"b"})] * 2, query, None) == 0


@pytest.mark.parametrize("question", ["товарооборот беларуси с татарстаном", "соглашения с узбекистаном на иннопроме"])
def test_a_question_about_a_russian_name_the_corpus_never_mentions_is_refused(engine, question):
    assert engine.search(question) == []


@pytest.mark.parametrize("question", ["Что сказал Мишустин о выставке?", "Какое соглашение подписал МАЗ?",
                                      "Кто такой Страхар?", "Что Беларусь поставляет в Свердловскую область?"])
def test_names_the_corpus_mentions_in_either_script_are_answered(engine, question):
    assert engine.search(question)


def test_a_word_pymorphy3_only_guesses_at_is_not_taken_for_an_unknown_name(engine):
    """A long question is cut mid-word ("…МАЗ соглаш"): pymorphy3 guesses a surname for the stump."""
    assert engine.search("МАЗ соглашение " * 1000)


@pytest.mark.parametrize("question", ["𗀀МАЗ", "а 𗀀МАЗ?", "Кто такой 𗀀Страхар"])
def test_a_letter_unicode_cannot_name_does_not_break_the_name_checks(engine, question):
    """Found by tests/test_properties.py: pymorphy3 raised on "𗀀МАЗ" as written."""
    hits, follows = engine.search(question), engine.follows_on(question)
    assert all(hit.excerpt in hit.passage for hit in hits) and isinstance(follows, bool)
