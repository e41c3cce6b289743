"""Quiz builder for trainers: questions from chosen clauses, with distractors, exports and parsers."""

from indexer.quiz.generate import QuizBuilder, StemWriter, generate_quiz, regenerate, short_name
from indexer.quiz.model import TYPE_LABELS, TYPES, QuizItem

__all__ = ["TYPES", "TYPE_LABELS", "QuizBuilder", "QuizItem", "StemWriter", "generate_quiz", "regenerate",
           "short_name"]
