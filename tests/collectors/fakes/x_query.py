"""The subset of X's search query language that brands use, for the fake X API."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any, Protocol


class Users(Protocol):
    """Looks up a user's handle (what from:/to:/mentions match against)."""

    def username(self, user_id: Any) -> str | None:
        """The lower-case handle of ``user_id``, or None."""
        ...


class QueryError(ValueError):
    """A search query the fake (like X) cannot parse."""


_TOKEN = re.compile(r'\(|\)|-?"[^"]*"|[^\s()]+')
Match = Callable[[dict[str, Any], Users], bool]


def compile_query(query: str) -> Match:
    """Compile X search syntax: AND by space (binds first), OR, (), -negation, quoted phrases,
    @mentions, #hashtags, words, from:, to:, is:reply, is:retweet, lang:."""
    tokens = _TOKEN.findall(query)
    pos = 0

    def or_expr() -> Match:
        nonlocal pos
        terms = [and_expr()]
        while pos < len(tokens) and tokens[pos] == "OR":
            pos += 1
            terms.append(and_expr())
        return lambda t, s: any(m(t, s) for m in terms)

    def and_expr() -> Match:
        nonlocal pos
        terms = []
        while pos < len(tokens) and tokens[pos] not in (")", "OR"):
            terms.append(unary())
        if not terms:
            raise QueryError(f"empty clause at token {pos} of {query!r}")
        return lambda t, s: all(m(t, s) for m in terms)

    def unary() -> Match:
        nonlocal pos
        tok = tokens[pos]
        if tok == "(":
            pos += 1
            inner = or_expr()
            if pos >= len(tokens) or tokens[pos] != ")":
                raise QueryError(f"unbalanced parentheses in {query!r}")
            pos += 1
            return inner
        pos += 1
        if tok.startswith("-") and len(tok) > 1:
            positive = atom(tok[1:])
            return lambda t, s: not positive(t, s)
        return atom(tok)

    matcher = or_expr()
    if pos != len(tokens):
        raise QueryError(f"unexpected {tokens[pos]!r} in {query!r}")
    return matcher


def atom(tok: str) -> Match:
    """One term of a query."""
    if tok.startswith('"'):
        phrase = re.compile(r"(?<!\w)" + re.escape(tok.strip('"')) + r"(?!\w)", re.I)
        return lambda t, s: bool(phrase.search(t.get("text", "")))
    op, sep, value = tok.partition(":")
    if sep and op in ("from", "to", "is", "lang"):
        value = value.lower()
        if op == "from":
            return lambda t, s: s.username(t.get("author_id")) == value
        if op == "to":
            return lambda t, s: s.username(t.get("in_reply_to_user_id")) == value
        if op == "lang":
            return lambda t, s: t.get("lang") == value
        if value in ("reply", "retweet", "quote"):
            kind = {"reply": "replied_to", "retweet": "retweeted", "quote": "quoted"}[value]
            return lambda t, s: any(r.get("type") == kind for r in t.get("referenced_tweets", []))
        raise QueryError(f"unknown operator is:{value}")
    if sep:
        raise QueryError(f"unknown operator {op}:")
    word = re.compile(r"(?<![\w@#])" + re.escape(tok) + r"(?!\w)", re.I)
    return lambda t, s: bool(word.search(t.get("text", "")))
