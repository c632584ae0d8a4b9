"""The lab: offline tools that measure and tune retrieval, outside the runtime (`python -m lab`).

`evaluation` (the question set and XQuAD beside rank-bm25 baselines), `calibration` (fitting and measuring
the answer-or-refuse decision), `bench` (build, load and question cost as the corpus grows) and `squad`
(reading SQuAD-format files as corpora). Needs the `lab` extra (`pip install -e '.[lab]'`); the bot's image
does not hold it, and `retrieval` never imports it.
"""
