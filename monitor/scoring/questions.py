"""Is a post a question or a request to the brand? (A few regexes; English.)"""

from __future__ import annotations

import re

# a question mark, an interrogative or auxiliary opening a sentence, or a request phrase
_QUESTION_MARK = re.compile(r"\?")
_OPENERS = re.compile(
    r"(?:^|[.!\n]\s*)(?:@\w+\s+)*(?:how|what|where|when|why|who|which|"
    r"(?:can|could|would|will|do|does|did|is|are|should)\s+(?:you|i|we|it|my|there|anyone))\b",
    re.IGNORECASE,
)
_REQUESTS = re.compile(
    r"\b(?:can you|could you|would you|please|pls|help me|need help|how do i|how can i|"
    r"where is my|where's my|when will)\b",
    re.IGNORECASE,
)


def is_question(text: str) -> bool:
    """True when ``text`` asks something or requests help (``?``, interrogatives, "please")."""
    return bool(_QUESTION_MARK.search(text) or _OPENERS.search(text) or _REQUESTS.search(text))
