"""Text analysis: what a word is, in either language. Tokens and their terms (lemmas, stems, transliteration
keys), stop words, the glossary of names, cleaning scraped articles, and splitting them into passages and
sentences. One analyser serves the index and the question, so the two never disagree on a word."""

LANGUAGES = ("en", "ru")  # the languages the corpus holds and the bot serves: the manifest, glossary and `add`
