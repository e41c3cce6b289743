"""Quiz builder for trainers: questions from chosen clauses, with distractors, exports and parsers."""

from indexer.quiz.difficulty import LEVEL_LABELS, LEVELS
from indexer.quiz.generate import QuizBuilder, StemWriter, generate_quiz, quiz_title, regenerate, short_name
from indexer.quiz.model import TYPE_LABELS, TYPES, QuizEditError, QuizItem, apply_edit

__all__ = ["LEVELS", "LEVEL_LABELS", "TYPES", "TYPE_LABELS", "QuizBuilder", "QuizEditError", "QuizItem", "StemWriter",
           "apply_edit", "generate_quiz", "quiz_title", "regenerate", "short_name"]
