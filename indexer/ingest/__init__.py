"""Bringing users' own files (PDF, DOCX, HTML, text in any Vietnamese encoding) into the corpus, safely."""
