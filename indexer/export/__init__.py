"""Printable exports (DOCX/PDF) shared by case reports and quizzes."""
