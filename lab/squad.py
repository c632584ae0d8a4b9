"""Reading a SQuAD-format file (such as XQuAD) as a corpus: one document per paragraph, plus its questions.

This is how retrieval quality is measured on text no one here wrote: a question's relevant document is
the paragraph it was asked about.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from retrieval.corpus import Corpus, Document
from retrieval.errors import CorpusError


@dataclass(frozen=True)
class SquadQuestion:
    id: str
    text: str
    paragraph: int  # index of the paragraph (document) it belongs to


def load_squad(path: Path | str, language: str) -> tuple[Corpus, list[SquadQuestion]]:
    """The paragraphs of `path` as documents `en-p0`, `en-p1`, … and every question with its paragraph index."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        articles = data["data"]
        documents, questions = [], []
        for article in articles:
            for paragraph in article["paragraphs"]:
                index = len(documents)
                documents.append(Document(id=f"{language}-p{index}", title=article.get("title", ""), publisher="",
                                          date="", language=language, url="",
                                          paragraphs=(paragraph["context"].strip(),)))
                questions.extend(SquadQuestion(qa["id"], qa["question"], index) for qa in paragraph["qas"])
    except FileNotFoundError:
        raise CorpusError(path, "file not found") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise CorpusError(path, f"not a JSON file: {error}", getattr(error, "lineno", None)) from None
    except (KeyError, TypeError) as error:
        raise CorpusError(path, f"not in SQuAD format (missing {error})") from None
    return Corpus(path.parent, tuple(documents)), questions
