"""A spelling-blind key for proper names, so a Cyrillic name meets its Latin spelling.

English texts spell the same Russian name several ways (Yekaterinburg / Ekaterinburg, Kuivashev /
Kuyvashev, Aleksandr / Alexander, -kh- / -h-). The key transliterates Cyrillic to Latin (anyascii), folds
the letter groups that romanisations disagree on, then keeps only the consonant skeleton: vowels and y are
where the systems differ most, and inflected endings (-a, -u, -e) vanish with them.
"""

from __future__ import annotations

import re
from functools import lru_cache

from anyascii import anyascii

# Applied in order; longer groups first so that "shch" is not read as "sh" + "ch".
_FOLDS = (
    ("shch", "sh"), ("sch", "sh"), ("dzh", "j"), ("zh", "j"), ("kh", "h"), ("ks", "x"),
    ("ts", "c"), ("tz", "c"), ("ck", "k"), ("ph", "f"), ("th", "t"), ("w", "v"), ("q", "k"),
)
_VOWELS_RE = re.compile(r"[aeiouy]")
_REPEATS_RE = re.compile(r"(.)\1+")
_NON_LETTERS_RE = re.compile(r"[^a-z]")

MIN_KEY_LENGTH = 3  # shorter skeletons ("mr", "sv") collide with too many unrelated words


@lru_cache(maxsize=500_000)
def name_key(word: str) -> str | None:
    """The consonant skeleton of `word` in Latin letters, or None when it is too short to be telling."""
    latin = _NON_LETTERS_RE.sub("", anyascii(word).lower())
    for group, folded in _FOLDS:
        latin = latin.replace(group, folded)
    skeleton = _REPEATS_RE.sub(r"\1", _VOWELS_RE.sub("", latin))
    return skeleton if len(skeleton) >= MIN_KEY_LENGTH else None
