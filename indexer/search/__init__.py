"""Search: fusion of BM25 and dense rankings, the opt-in second stage, answerability."""
