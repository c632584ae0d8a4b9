"""Sentence and passage vectors from one encoder pass (`composed`), and their int8 store (`sentences`)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from retrieval.index import composed, encoder
from retrieval.engine import Engine
from retrieval.index.sentences import SentenceVectors, offsets


def _project_passages() -> list[str]:
    return [p.text for p in Engine.load(saved_index=False).passages]


def test_sentence_vectors_are_the_encoders_own():
    texts = _project_passages()
    _, sentence_vectors, counts = composed.encode_passages(texts)
    sentences = [s for text in texts for s in composed.passage_sentences(text)]
    assert counts.sum() == len(sentences) == len(sentence_vectors) and counts.min() >= 1
    assert np.sum(sentence_vectors * encoder.encode(sentences), axis=1).min() > 0.9999


def test_a_composed_passage_vector_is_close_to_the_passage_encoded_whole():
    texts = _project_passages()
    passage_vectors, _, _ = composed.encode_passages(texts)
    cosines = np.sum(passage_vectors * encoder.encode(texts), axis=1)
    assert cosines.mean() > 0.97 and cosines.min() > 0.85
    assert np.allclose(np.linalg.norm(passage_vectors, axis=1), 1, atol=1e-5)


def test_one_sentence_passages_and_text_razdel_cannot_split():
    vectors, sentence_vectors, counts = composed.encode_passages(["Короткий текст", "...", "MAZ signed."])
    assert list(counts) == [1, 1, 1]
    assert np.allclose(vectors, sentence_vectors, atol=1e-5)  # one sentence: the passage is that sentence
    assert composed.encode_passages([])[0].shape == (0, encoder.DIMENSIONS)


@settings(max_examples=40, deadline=None)
@given(st.lists(st.integers(1, 4), min_size=1, max_size=8), st.data())
def test_selected_joined_and_best_sentences_match_a_plain_loop(counts, data):
    rng = np.random.default_rng(len(counts))
    vectors = rng.normal(size=(sum(counts), encoder.DIMENSIONS)).astype(np.float32)
    rows, scales = encoder.quantise(vectors)
    store = SentenceVectors(rows, scales, offsets(np.array(counts)))
    store.check(len(counts))
    as_saved = encoder.dequantise(rows, scales)
    owners = np.repeat(np.arange(len(counts)), counts)
    chosen = np.array(data.draw(st.lists(st.integers(0, len(counts) - 1), max_size=10)), dtype=np.int64)
    question = rng.normal(size=encoder.DIMENSIONS).astype(np.float32)
    best = store.best_cosine(chosen, question)
    expected = [max(as_saved[owners == p] @ question) for p in chosen]
    assert np.allclose(best, expected, rtol=1e-4, atol=1e-3)
    picked = SentenceVectors.join([SentenceVectors.empty(), store, store]).select(chosen + len(counts))
    assert np.array_equal(picked.rows, store.select(chosen).rows)
    assert list(np.diff(picked.starts)) == [counts[p] for p in chosen]
