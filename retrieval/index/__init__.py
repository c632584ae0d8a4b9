"""What a search reads: the BM25 postings, the encoder and the passages' and sentences' vectors, the nearest
passages in meaning, the word bridge between the languages, and the saved file that holds them all."""
