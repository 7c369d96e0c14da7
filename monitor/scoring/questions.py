"""Is a post a question or request to the brand? English rules, no model.

Measured on tests/fixtures/questions/labeled.tsv by scripts/eval_questions.py (figures in
docs/kpis.md). A sentence counts when it ends in a question mark, opens like a question
("how do I", "where is my", "can you", "is there"), or asks for something ("please",
"help me", "I need", "DM me"); rhetorical questions inside complaints ("Really?", "Why
can't you ever...?", "How hard can it be?") do not.
"""

from __future__ import annotations

import re

_URL = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
_HANDLE = re.compile(r"(?<![\w@])@[\w.]+")
_SENTENCE = re.compile(r"[^.!?\n]+(?:[.!?]+|$)|[.!?]+")
_AUX = r"(?:do|does|did|is|are|was|were|will|would|can|could|should|shall|may|must|have|has)"
_WH = r"(?:how|where|when|what|which|who|whom|whose|why)"

# A sentence opening like a question, with or without its question mark.
_ASKING_OPENERS = re.compile(
    rf"""^(?:(?:hi|hello|hey|yo|so|ok|okay|and|but|also|quick\s+question|question)[,:!\s-]+)*(?:
        {_WH}(?:'s|s|'re|'d)?\s+{_AUX}(?:n'?t)?\s
      | {_WH}(?:'s|s)\s+(?:my|the|your|our|going)\b
      | (?:how|what)\s+(?:long|much|many|often|soon|time|day|number|payment|methods?)\b
      | which(?:\s+\w+){{1,2}}\s+{_AUX}\b
      | (?:wheres|whats|hows|whens)\s+(?:my|the|our|your)\b
      | {_AUX}(?:n'?t)?\s+
          (?:you|u|i|we|my|our|it|this|that|there|anyone|someone|anybody|somebody|the|he|she|they)\b
      | any\s+(?:update|news|idea|way|chance|word|help|info|reason|changes)\b
      | (?:anyone|anybody|does\s+anyone)\s+(?:know|else)\b
      | is\s+it\s+possible\b
    )
    | ,\s*(?:can|could|would|will)\s+(?:you|u|someone|anyone|somebody)\b""",
    re.IGNORECASE | re.VERBOSE,
)
# A sentence that ends in a question mark asks when it opens like a question (any auxiliary
# or wh-word) or ends in one ("... in DFW - why?"); a statement with a question mark ("a
# pilot ran out of hours?") is mostly sarcasm in complaints.
_QUESTION_FORM = re.compile(
    rf"""(?:^|[,:;(-]\s*)(?:(?:hi|hello|hey|thanks|thx|so|ok|okay|and|but|also|quick\s+question|question)[,:!\s-]+)*
        (?:{_WH}\b|{_AUX}(?:n'?t)?\s|(?:is|are|am|isn'?t|aren'?t|won'?t|doesn'?t|if|any|anyone|anybody)\s)
      | \b{_WH}\s*$""",
    re.IGNORECASE | re.VERBOSE,
)
# A request anywhere in a sentence.
_REQUESTS = re.compile(
    r"""\b(?:
        (?<!to\s)(?:please|pls|plz|kindly)\s+(?!never\b|don'?t\b|stop\b)\w
      | \w+\s+(?:please|pls|plz)\b(?!\s+passengers)
      | help\s+(?:me|us|please|pls)\b
      | (?:need|needs|needing|want|get|some|any|your)\s+(?:some\s+|your\s+)?help\b
      | ^help\b
      | \#help\b
      | (?:i|we)\s+(?:really\s+)?(?:need|want)\s+
          (?:to\s+(?:speak|talk|know|change|cancel|get)|a\s|an\s|my\s|the\s|your\s|someone|somebody|help|info)
      | ^(?:i\s+)?need\s+(?:a|an|my|the|to|help)\b
      | (?:i'?d|i\s+would|we'?d|we\s+would)\s+like\s+
          (?:to\s+(?:know|return|change|cancel|get|speak|request)|an?\s|my\s|the\s)
      | ^(?:dm|call|email|text|tell|send|get|give|help)\s+(?:me|us)\b
      | (?:you|u)\s+can\s+(?:send|sent|dm|call|email|give)\s+(?:me|us)\b
      | (?:a\s+little|some|any)\s+help\b
      | all\s+(?:i|we)\s+need\s+is\b
      | let\s+me\s+know\b
      | (?:wondering|wonder)\s+(?:if|why|how|whether|when|where)\b
      | i\s+would\s+like\s+to\s+know\b
      | make\s+it\s+happen\b
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Rhetorical questions and exclamations of a complaint: not asking anything.
_RHETORICAL = re.compile(
    r"""^(?:
        (?:really|seriously|huh|typical|why|what|wtf|come\s+on|are\s+you\s+(?:kidding|serious)|ru\s+kidding|wow)[\s?!.]*$
      | (?:how|why)\s+(?:hard|difficult)\s+(?:can|is)\b
      | why\s+(?:do|would)\s+(?:i|we)\s+(?:even|ever)\b
      | why\s+(?:can'?t|cant|don'?t|dont|won'?t|wont|would|should|is\s+it\s+that|does\s+the)\b
      | how\s+(?:can|could|dare)\s+(?:you|u|they)\b
      | how\s+(?:is|are)\s+(?:this|that|it)\s+(?:ok|okay|acceptable|possible|fair)\b
      | what'?s\s+wrong\s+with\b
      | whats\s+wrong\s+with\b
      | who\s+needs\b
      | where\s+do\s+i\s+even\b
      | is\s+(?:anyone|anybody)\s+(?:actually|even)\b
      | (?:is|was)\s+this\s+how\b
      | what\s+a\b
      | what\s+an\b
      | (?:could|can)\s+(?:you|u)\s+(?:get|be|do)\s+any\s+(?:worse|better)\b
      | do\s+you\s+think\s+i'?ll\b
      | what\s+about\b
      | (?:you|u)\s+know\s+what\b
      | (?:is|isn'?t)\s+there\s+(?:anyone|anybody|no\s+one)\s+(?:actually|actively|even|who)\b
      | have\s+you\s+(?:ever\s+)?(?:considered|thought)\b
      | did\s+(?:someone|somebody)\s+say\b
      | how\s+long\s+is\s+too\s+long\b
      | when\s+will\s+(?:this|my|the|it)\b.*\bend\b
      | how\s+(?:does|is)\s+that\b
      | .*\b(?:much|lol|smh)\s*\?*$
    )""",
    re.IGNORECASE | re.VERBOSE,
)
# Thanks and praise that mention help are not asking for it.
_NOT_A_REQUEST = re.compile(
    r"\b(?:thanks?|thank\s+you|thx|ty|appreciate)\b[^?]*\bhelp|\bhelp(?:ful|ed|ing)\b"
    r"|\bhelp\s+yourselves\b|\bplease\s+pass\b|\bno\s+need\s+to\s+reply\b",
    re.IGNORECASE,
)


def _sentences(text: str) -> list[str]:
    """``text`` without links and @handles, cut into sentences (each keeps its end mark)."""
    text = _HANDLE.sub(" ", _URL.sub(" ", text)).replace("’", "'")
    return [s.strip() for s in _SENTENCE.findall(text) if s.strip(" .!?")]


def question_reason(text: str) -> str | None:
    """What makes ``text`` a question or request ("question mark", "asks: how do", ...)."""
    for sentence in _sentences(text):
        words = sentence.strip(" .!?").strip()
        if _RHETORICAL.search(words) or _NOT_A_REQUEST.search(words):
            continue
        if sentence.endswith("?") and _QUESTION_FORM.search(words):
            return "question"
        opener = _ASKING_OPENERS.search(words)
        if opener:
            return f"asks: {opener.group(0).strip(' ,').lower()}"
        request = _REQUESTS.search(words)
        if request:
            return f"request: {request.group(0).strip().lower()}"
    return None


def is_question(text: str) -> bool:
    """Whether ``text`` asks the brand something or asks it to do something."""
    return question_reason(text) is not None


_ANY_QUESTION_MARK = re.compile(r"[?？¿؟]")


def is_question_in_language(text: str, lang: str | None) -> bool:
    """Whether a post in ``lang`` asks something (None: undetermined, read as English).

    The rules are English: a post in another language asks when it carries a question
    mark ("¿Dónde está mi maleta?"), so a directed non-English question still reaches the
    queue as one.
    """
    if lang is None or lang.lower().split("-")[0] == "en":
        return is_question(text)
    return bool(_ANY_QUESTION_MARK.search(_HANDLE.sub(" ", _URL.sub(" ", text))))
