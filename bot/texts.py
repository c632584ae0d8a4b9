"""Everything the bot says to people, in Russian and English.

The interface follows the user's Telegram language: English for `en*`, Russian for everyone else (the
corpus and most users are Belarusian and Russian). A user whose client sends no language (and the console
chat) gets the language the question is written in. Excerpts are never translated.
"""

from __future__ import annotations

def language_of(language_code: str | None) -> str:
    """'en' for English-language Telegram clients, 'ru' otherwise."""
    return "en" if (language_code or "").lower().startswith("en") else "ru"


def language_of_text(text: str) -> str:
    """'en' for a text written in more Latin than Cyrillic letters, 'ru' otherwise (and for no letters)."""
    latin = sum(1 for c in text if c.isascii() and c.isalpha())
    cyrillic = sum(1 for c in text if "\u0400" <= c <= "\u04ff")
    return "en" if latin > cyrillic else "ru"


EXAMPLES = {
    "ru": (
        "Какое соглашение подписал МАЗ?",
        "Сколько компаний участвовало в Иннопроме?",
        "Что Беларусь предлагает Свердловской области?",
        "Кто гендиректор Могилевлифтмаша?",
        "Сколько импортозамещающих проектов у Беларуси и России?",
        "Какой трамвай показали на выставке?",
        "Где уже ездит Union MAZ?",
        "Какой товарооборот у Беларуси со Свердловской областью?",
    ),
    "en": (
        "What agreement did MAZ sign?",
        "How many companies took part in INNOPROM?",
        "What help did Belarus offer with elevators?",
        "How many documents were planned to be signed in Minsk?",
        "Which tram was showcased at the fair?",
        "What does Belarus supply to Sverdlovsk Region?",
        "How many import-substituting projects do Belarus and Russia have?",
        "Who is the program director of Innoprom?",
    ),
}

TEXTS = {
    "ru": {
        "start": (
            "Здравствуйте! Я отвечаю на вопросы о промышленной выставке <b>ИННОПРОМ</b> и о белорусско-"
            "российских промышленных соглашениях — цитатами из новостей, с указанием источника.\n\n"
            "Я знаю о выставках в Екатеринбурге и Минске, о соглашениях и контрактах, о компаниях "
            "(МАЗ, БелАЗ, Трансмашхолдинг, Могилевлифтмаш) и о сотрудничестве со Свердловской областью.\n\n"
            "Спросите своими словами или нажмите на пример:"
        ),
        "no_answer": "В моих источниках нет ответа на этот вопрос. Я знаю о выставке ИННОПРОМ, соглашениях "
                     "Беларуси и России и компаниях вроде МАЗ и БелАЗ. Например:",
        "empty": "Напишите вопрос текстом — например, «Какое соглашение подписал МАЗ?»",
        "help": (
            "<b>Как спрашивать.</b> Пишите своими словами, по-русски или по-английски, как в поиске: "
            "«маз соглашение» тоже подойдёт. Опечатки и русский латиницей («kakoe soglashenie») я пойму и "
            "скажу, как понял.\n\n"
            "<b>Уточнения.</b> После ответа можно спросить коротко: «а когда?», «на какую сумму?» — я прочту "
            "это вместе с предыдущим вопросом (в течение {minutes} мин).\n\n"
            "<b>Ответы.</b> Каждый ответ — дословная цитата с источником. «Абзац N» покажет весь абзац, "
            "«Ещё ▶» — следующие цитаты, 👍/👎 — ваша оценка. Если в источниках ответа нет, я так и скажу.\n\n"
            "<b>В группах</b> спрашивайте командой /ask вопрос. <b>В любом чате</b> наберите @имя_бота и вопрос, "
            "чтобы вставить цитату. /sources — список статей."
        ),
        "too_long": "Вопрос слишком длинный: я прочитал только первые {limit} символов.",
        "understood": "Понял как: {question}",
        "not_text": "Я понимаю только текстовые вопросы. Напишите, что вы хотите узнать о ИННОПРОМ.",
        "slow_down": "Слишком много вопросов подряд. Пожалуйста, подождите {seconds} с.",
        "more": "Ещё ▶",
        "back": "◀ Назад",
        "paragraph_button": "📄 {n}",
        "thanks": "Спасибо за отзыв!",
        "page_gone": "Больше результатов нет.",
        "expired": "Эта кнопка устарела. Задайте вопрос ещё раз.",
        "store_down": "Не получилось, попробуйте через минуту.",
        "paragraph": "абзац {n}",
        "sources_title": "<b>Источники</b> ({count}):",
        "sources_more": "… и ещё {count}",
        "ask_usage": "Напишите вопрос после команды: /ask Какое соглашение подписал МАЗ?",
        "admins_only": "Эта команда только для администраторов.",
        "reloaded": "Корпус перечитан: {documents} статей, {passages} фрагментов.",
        "reload_failed": "Корпус не перечитан, работаю на прежнем. Ошибка: {error}",
        "add_usage": "Укажите адрес статьи после команды: /add https://…",
        "add_report": "<b>Добавление статей</b> ({source}): добавлено {added}, отказано {refused}.",
        "error": "Что-то пошло не так. Попробуйте ещё раз чуть позже.",
        "not_allowed": "Этот бот работает только в разрешённых чатах.",
        "stats": ("<b>Статистика</b>\nВопросов: {questions}, без ответа: {unanswered}\n"
                  "Отзывы: 👍 {up} · 👎 {down}\n\n<b>Частые вопросы</b>\n{top}\n\n<b>Без ответа</b>\n{missed}"),
        "none": "—",
    },
    "en": {
        "start": (
            "Hello! I answer questions about the <b>INNOPROM</b> industrial exhibition and the "
            "Belarus–Russia industrial agreements, with quotes from the news and their sources.\n\n"
            "I know about the exhibitions in Yekaterinburg and Minsk, the agreements and contracts, the "
            "companies (MAZ, BelAZ, Transmashholding, Mogilevliftmash) and cooperation with Sverdlovsk Oblast.\n\n"
            "Ask in your own words or tap an example:"
        ),
        "no_answer": "My sources do not answer that. I know about the INNOPROM exhibition, the "
                     "Belarus–Russia agreements and companies such as MAZ and BelAZ. For example:",
        "empty": "Please type a question — for example, “What agreement did MAZ sign?”",
        "help": (
            "<b>How to ask.</b> Write in your own words, in English or Russian, even as keywords: "
            "“maz agreement” works too. I understand typos and Russian typed in Latin letters, and say how I "
            "read them.\n\n"
            "<b>Follow-ups.</b> After an answer you may ask briefly — “and when?”, “how much?” — and I read it "
            "with your previous question (within {minutes} min).\n\n"
            "<b>Answers.</b> Each answer is a verbatim quote with its source. “Paragraph N” shows the whole "
            "paragraph, “More ▶” the next quotes, 👍/👎 your rating. When my sources do not answer, I say so.\n\n"
            "<b>In groups</b> ask with /ask question. <b>In any chat</b> type @bot_name and a question to insert "
            "a quote. /sources lists the articles."
        ),
        "too_long": "That question is very long: I read only its first {limit} characters.",
        "understood": "Read as: {question}",
        "not_text": "I only understand text questions. Type what you would like to know about INNOPROM.",
        "slow_down": "Too many questions at once. Please wait {seconds} s.",
        "more": "More ▶",
        "back": "◀ Back",
        "paragraph_button": "📄 {n}",
        "thanks": "Thank you for the feedback!",
        "page_gone": "No more results.",
        "expired": "This button has expired. Please ask again.",
        "store_down": "That did not work; please try again in a moment.",
        "paragraph": "paragraph {n}",
        "sources_title": "<b>Sources</b> ({count}):",
        "sources_more": "… and {count} more",
        "ask_usage": "Put the question after the command: /ask What agreement did MAZ sign?",
        "admins_only": "This command is for administrators only.",
        "reloaded": "Corpus reloaded: {documents} articles, {passages} passages.",
        "reload_failed": "Corpus not reloaded; still serving the previous one. Error: {error}",
        "add_usage": "Put the article's address after the command: /add https://…",
        "add_report": "<b>Adding articles</b> ({source}): {added} added, {refused} refused.",
        "error": "Something went wrong. Please try again a little later.",
        "not_allowed": "This bot only works in approved chats.",
        "stats": ("<b>Statistics</b>\nQuestions: {questions}, unanswered: {unanswered}\n"
                  "Feedback: 👍 {up} · 👎 {down}\n\n<b>Top questions</b>\n{top}\n\n<b>Unanswered</b>\n{missed}"),
        "none": "—",
    },
}

COMMANDS = {
    "ru": (("start", "Что умеет бот"), ("help", "Как спрашивать"), ("sources", "Статьи в корпусе"),
           ("ask", "Задать вопрос (в группе)")),
    "en": (("start", "What the bot does"), ("help", "How to ask"), ("sources", "Articles in the corpus"),
           ("ask", "Ask a question (in groups)")),
}


def text(lang: str, key: str, **values) -> str:
    return TEXTS[lang][key].format(**values)
