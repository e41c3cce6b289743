"""Line predicates shared by the structure parser and the PDF reader, so both judge a line the same way."""

from __future__ import annotations

import re

# A line that ends a sentence: final punctuation or an omission mark, then any closing quotes or brackets.
SENTENCE_END_RE = re.compile(r"(?:[.;:!?…]|\((?:…|\.\.\.)\)|\[…\])[\"”’»)\]]*$")


def is_caps(s: str) -> bool:
    """An all-capitals line (title blocks, chapter titles): at least two letters, none lower case."""
    letters = [c for c in s if c.isalpha()]
    return len(letters) >= 2 and not any(c.islower() for c in letters)


def ends_sentence(s: str) -> bool:
    """Whether the line finishes a sentence, so the next line cannot be its hard-wrapped continuation."""
    return bool(SENTENCE_END_RE.search(s.rstrip()))


def starts_lower(s: str) -> bool:
    """Whether the line's first letter (after bold marks, quotes and brackets) is lower case: a continuation."""
    s = s.lstrip(' *"“(')
    return bool(s) and s[0].islower()
