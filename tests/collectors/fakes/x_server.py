"""A fake X API v2 on 127.0.0.1: recent search, mentions and user timelines, with faults.

It speaks the documented wire format: bearer auth (401 in the problem format), the query
parameters tweepy sends (unknown ones are refused like X does), ``since_id``/``until_id``/
``start_time``/``end_time``, ``max_results`` limits, ``next_token`` (search) and
``pagination_token`` (timelines), ``tweet.fields``/``user.fields``/``expansions`` honoured,
``meta{newest_id, oldest_id, result_count, next_token}``, ``errors`` for referenced posts that
are gone, and ``x-rate-limit-*`` headers. Scripted faults: 429, 503, 401, a malformed or
wrongly shaped page, a connection reset, and a response that hangs past the client timeout.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

from monitor.collectors.base import BrandSourceSettings, Page, Target
from monitor.collectors.x.collector import XCollector
from monitor.collectors.x.parse import tweet_to_post
from monitor.collectors.x.settings import XBrandSettings, XSettings
from monitor.posts import Post
from tests.collectors.fakes.x_query import QueryError, atom, compile_query

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures" / "x"
FAKE_BEARER = "AAAAAAAAAAAAAAAAAAAAAFakeBearerForTests0000"
TWITTER_EPOCH_MS = 1288834974657
DEFAULT_TWEET_FIELDS = ("id", "text", "edit_history_tweet_ids")
DEFAULT_USER_FIELDS = ("id", "name", "username")
COMMON_PARAMS = {
    "expansions", "max_results", "since_id", "until_id", "start_time", "end_time",
    "tweet.fields", "user.fields", "media.fields", "place.fields", "poll.fields",
}  # fmt: skip
SEARCH_PARAMS = COMMON_PARAMS | {"query", "next_token", "sort_order"}
MENTIONS_PARAMS = COMMON_PARAMS | {"pagination_token"}
TIMELINE_PARAMS = COMMON_PARAMS | {"pagination_token", "exclude"}
#: "echo" is a hostile upstream: a 400 whose body quotes the request's headers back.
FAULTS = ("429", "usage_cap", "503", "401", "malformed", "bad_shape", "reset", "hang", "echo")


def load_corpus() -> dict[str, Any]:
    """The seed: invented airline customer-care traffic plus the brand's settings."""
    corpus: dict[str, Any] = json.loads((FIXTURES / "corpus.json").read_text("utf-8"))
    return corpus


SAMPLE_CORPUS = load_corpus()
#: The v2 tweet objects the fake serves by default (what the contract test can map).
SAMPLE_POSTS: list[dict[str, Any]] = SAMPLE_CORPUS["tweets"]


def sample_posts(now: datetime) -> list[Post]:
    """The sample tweets mapped to posts the way the collector maps a page."""
    users = {u["id"]: u for u in SAMPLE_CORPUS["users"]}
    return [tweet_to_post(t, users, now) for t in SAMPLE_POSTS]


@dataclass
class Fault:
    """A scripted failure for the next request whose path contains ``path``."""

    kind: str
    path: str = ""
    reset_in: int = 60
    seconds: float = 3.0


@dataclass
class Recorded:
    """A request the fake received (auth header left out)."""

    path: str
    params: dict[str, str]
    status: int = 0


class ApiError(Exception):
    """An error answer: status, JSON body, extra headers."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(status)
        self.status, self.body, self.headers = status, body, headers or {}


def problem(status: int, title: str, detail: str | None = None) -> ApiError:
    """An error in X's v2 problem format."""
    body = {"title": title, "detail": detail or title, "type": "about:blank", "status": status}
    return ApiError(status, body)


def invalid(param: str, value: str, message: str) -> ApiError:
    """X's 400 for a bad query parameter."""
    return ApiError(
        400,
        {
            "errors": [{"parameters": {param: [value]}, "message": message}],
            "title": "Invalid Request",
            "detail": "One or more parameters to your request was invalid.",
            "type": "https://api.twitter.com/2/problems/invalid-request",
        },
    )


def not_valid(name: str, value: str, why: str = "is not valid") -> ApiError:
    """X's 400 for one bad parameter value."""
    return invalid(name, value, f"The `{name}` query parameter value [{value}] {why}")


def not_found(kind: str, parameter: str, value: str) -> dict[str, Any]:
    """An ``errors`` item for a resource that is gone (deleted post, unknown user)."""
    return {
        "value": value,
        "detail": f"Could not find {kind} with {parameter}: [{value}].",
        "title": "Not Found Error",
        "resource_type": kind,
        "parameter": parameter,
        "resource_id": value,
        "type": "https://api.twitter.com/2/problems/resource-not-found",
    }


def tweet_time(tweet: dict[str, Any]) -> datetime:
    """created_at, or the time in the snowflake id when the tweet lacks it."""
    if "created_at" in tweet:
        return datetime.fromisoformat(tweet["created_at"].replace("Z", "+00:00"))
    ms = (int(tweet["id"]) >> 22) + TWITTER_EPOCH_MS
    return datetime.fromtimestamp(ms / 1000, tz=UTC)


@dataclass
class XFakeServer:
    """The state behind the HTTP handler: posts, users, faults and a request log."""

    tweets: list[dict[str, Any]]
    users: list[dict[str, Any]]
    bearer_token: str = FAKE_BEARER
    clock: Callable[[], datetime] = lambda: datetime.now(UTC)
    #: Search refuses a since_id below this, as X does for ids older than its 7-day window.
    min_since_id: int | None = None
    base_url: str = ""
    requests: list[Recorded] = field(default_factory=list)
    faults: list[Fault] = field(default_factory=list)
    hangs: threading.Event = field(default_factory=threading.Event)
    lock: threading.Lock = field(default_factory=threading.Lock)
    tokens: dict[str, int] = field(default_factory=dict)

    def fail_next(self, kind: str, *, path: str = "", times: int = 1, **kw: Any) -> None:
        """Script ``times`` failures of ``kind`` for requests whose path contains ``path``."""
        assert kind in FAULTS, kind
        with self.lock:
            self.faults.extend(Fault(kind, path, **kw) for _ in range(times))

    def add_tweets(self, *tweets: dict[str, Any]) -> None:
        """Make more posts visible (new traffic between passes)."""
        with self.lock:
            self.tweets.extend(tweets)

    def username(self, user_id: Any) -> str | None:
        """The lower-case handle of a user id."""
        for user in self.users:
            if user["id"] == user_id:
                return str(user["username"]).lower()
        return None

    def expected_ids(self, settings: BrandSourceSettings) -> set[str]:
        """Ids one complete pass for ``settings`` must yield (search, mentions, replies)."""
        assert isinstance(settings, XBrandSettings)
        found = {t["id"] for t in self.tweets if compile_query(settings.query)(t, self)}
        if settings.user_id:
            found |= {t["id"] for t in self._mentions(settings.user_id)}
        if settings.include_own_replies and settings.accounts:
            handles = {h.lower() for h in settings.accounts}
            found |= {
                t["id"]
                for t in self.tweets
                if self.username(t.get("author_id")) in handles and atom("is:reply")(t, self)
            }
        elif settings.include_own_replies and settings.user_id:
            found |= {t["id"] for t in self.tweets if t.get("author_id") == settings.user_id}
        return found

    def paths(self, contains: str = "") -> list[Recorded]:
        """Recorded requests whose path contains ``contains``."""
        return [r for r in self.requests if contains in r.path]

    # -- request handling --

    def take_fault(self, path: str) -> Fault | None:
        """The next scripted fault for ``path`` (consumed), if any."""
        with self.lock:
            for i, fault in enumerate(self.faults):
                if fault.path in path:
                    return self.faults.pop(i)
        return None

    def rate_headers(self, remaining: int) -> dict[str, str]:
        """The x-rate-limit-* headers X sends on every answer (a 15-minute window)."""
        reset = int(self.clock().timestamp()) + 900
        return {
            "x-rate-limit-limit": "450",
            "x-rate-limit-remaining": str(remaining),
            "x-rate-limit-reset": str(reset),
        }

    def answer(self, path: str, params: dict[str, str]) -> dict[str, Any]:
        """The JSON body for a GET, or :class:`ApiError`."""
        if path == "/2/tweets/search/recent":
            self._check(params, SEARCH_PARAMS, 10)
            if "query" not in params:
                raise invalid("query", "", "The `query` query parameter can not be empty")
            try:
                match = compile_query(params["query"])
            except QueryError as exc:
                raise invalid(
                    "query", params["query"], f"There were errors processing your request: {exc}"
                ) from None
            since = params.get("since_id")
            if since and self.min_since_id and int(since) < self.min_since_id:
                why = "must be a tweet id created after the start of the 7-day search window"
                raise invalid("since_id", since, f"Invalid 'since_id':'{since}'. 'since_id' {why}.")
            found = [t for t in self.tweets if match(t, self)]
            return self._page(found, params, "next_token")
        m = re.fullmatch(r"/2/users/(\d+)/(mentions|tweets)", path)
        if not m:
            raise problem(404, "Not Found Error", f"no route {path}")
        user_id, kind = m.groups()
        if self.username(user_id) is None:
            return {"errors": [not_found("user", "id", user_id)]}
        if kind == "mentions":
            self._check(params, MENTIONS_PARAMS, 5)
            return self._page(self._mentions(user_id), params, "pagination_token")
        self._check(params, TIMELINE_PARAMS, 5)
        exclude = set(filter(None, params.get("exclude", "").split(",")))
        own = [t for t in self.tweets if t.get("author_id") == user_id]
        if "replies" in exclude:
            own = [t for t in own if not atom("is:reply")(t, self)]
        if "retweets" in exclude:
            own = [t for t in own if not atom("is:retweet")(t, self)]
        return self._page(own, params, "pagination_token")

    def _mentions(self, user_id: str) -> list[dict[str, Any]]:
        handle = atom("@" + (self.username(user_id) or ""))
        return [t for t in self.tweets if t.get("author_id") != user_id and handle(t, self)]

    def _check(self, params: dict[str, str], allowed: set[str], least: int) -> None:
        for name, value in params.items():
            if name not in allowed:
                raise invalid(
                    name, value, f"The query parameter [{name}] is not one of {sorted(allowed)}"
                )
        size = params.get("max_results", str(least))
        if not size.isdigit() or not least <= int(size) <= 100:
            raise not_valid("max_results", size, f"is not between {least} and 100")
        for name in ("since_id", "until_id"):
            if name in params and not params[name].isdigit():
                raise not_valid(name, params[name])

    def _page(
        self, found: list[dict[str, Any]], params: dict[str, str], token_name: str
    ) -> dict[str, Any]:
        since, until = params.get("since_id"), params.get("until_id")
        start, end = params.get("start_time"), params.get("end_time")
        found = [t for t in found if not since or int(t["id"]) > int(since)]
        found = [t for t in found if not until or int(t["id"]) < int(until)]
        if start:
            found = [
                t
                for t in found
                if tweet_time(t) >= datetime.fromisoformat(start.replace("Z", "+00:00"))
            ]
        if end:
            found = [
                t
                for t in found
                if tweet_time(t) < datetime.fromisoformat(end.replace("Z", "+00:00"))
            ]
        token = params.get(token_name)
        if token is not None:
            if token not in self.tokens:
                raise not_valid(token_name, token)
            found = [t for t in found if int(t["id"]) < self.tokens[token]]
        found.sort(key=lambda t: int(t["id"]), reverse=True)
        size = int(params.get("max_results", "10"))
        page, rest = found[:size], found[size:]
        meta: dict[str, Any] = {"result_count": len(page)}
        if not page:
            return {"meta": meta}
        meta.update(newest_id=page[0]["id"], oldest_id=page[-1]["id"])
        if rest:
            with self.lock:
                next_token = f"7140dibdnow9c7btw4{len(self.tokens):06x}"
                self.tokens[next_token] = int(page[-1]["id"])
            meta["next_token"] = next_token
        return {**self._expand(page, params), "meta": meta}

    def _expand(self, page: list[dict[str, Any]], params: dict[str, str]) -> dict[str, Any]:
        tweet_fields = set(DEFAULT_TWEET_FIELDS) | set(params.get("tweet.fields", "").split(","))
        user_fields = set(DEFAULT_USER_FIELDS) | set(params.get("user.fields", "").split(","))
        expansions = set(params.get("expansions", "").split(","))
        keep_fields = {"withheld"}  # X always says when a post is withheld

        def shape(t: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in t.items() if k in tweet_fields or k in keep_fields}

        body: dict[str, Any] = {"data": [shape(t) for t in page]}
        includes: dict[str, Any] = {}
        errors: list[dict[str, Any]] = []
        if "author_id" in expansions:
            ids = {t.get("author_id") for t in page}
            includes["users"] = [
                {k: v for k, v in u.items() if k in user_fields}
                for u in self.users
                if u["id"] in ids
            ]
        if "referenced_tweets.id" in expansions:
            by_id = {t["id"]: t for t in self.tweets}
            refs = {r["id"] for t in page for r in t.get("referenced_tweets", [])}
            includes["tweets"] = [shape(by_id[r]) for r in sorted(refs) if r in by_id]
            errors = [
                not_found("tweet", "referenced_tweets.id", r) for r in sorted(refs - set(by_id))
            ]
        includes = {k: v for k, v in includes.items() if v}
        if includes:
            body["includes"] = includes
        if errors:
            body["errors"] = errors
        return body


def _handler(fake: XFakeServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def do_GET(self) -> None:
            url = urlsplit(self.path)
            params = {k: v[-1] for k, v in parse_qs(url.query, keep_blank_values=True).items()}
            record = Recorded(url.path, params)
            with fake.lock:
                fake.requests.append(record)
            fault = fake.take_fault(url.path)
            if fault and fault.kind == "reset":
                self.close_connection = True
                return  # closed without a response: the client sees a dropped connection
            if fault and fault.kind == "hang":
                fake.hangs.wait(fault.seconds)
            auth = self.headers.get("Authorization", "")
            try:
                if (fault and fault.kind == "401") or auth != f"Bearer {fake.bearer_token}":
                    raise problem(401, "Unauthorized")
                if fault and fault.kind == "echo":
                    err = problem(400, "Invalid Request", f"you sent Authorization: {auth}")
                    err.body["request_headers"] = dict(self.headers.items())
                    raise err
                if fault and fault.kind == "429":
                    err = problem(429, "Too Many Requests")
                    reset = int(fake.clock().timestamp()) + fault.reset_in
                    err.headers = {**fake.rate_headers(0), "x-rate-limit-reset": str(reset)}
                    raise err
                if fault and fault.kind == "usage_cap":
                    err = problem(
                        429, "UsageCapExceeded", "Usage cap exceeded: Monthly product cap"
                    )
                    err.body["type"] = "https://api.twitter.com/2/problems/usage-capped"
                    raise err
                if fault and fault.kind == "503":
                    err = problem(503, "Service Unavailable")
                    err.headers = fake.rate_headers(448)  # X sends these on every answer
                    raise err
                body = json.dumps(fake.answer(url.path, params), ensure_ascii=False).encode()
                if fault and fault.kind == "malformed":
                    body = body[: max(1, len(body) // 2)]
                if fault and fault.kind == "bad_shape":
                    body = (
                        b'{"data": {"id": "1", "text": "not a list"}, "meta": {"result_count": 1}}'
                    )
                self._send(200, body, fake.rate_headers(449))
                record.status = 200
            except ApiError as exc:
                record.status = exc.status
                content = json.dumps(exc.body).encode()
                self._send(exc.status, content, exc.headers, "application/problem+json")

        def _send(
            self, status: int, body: bytes, headers: dict[str, str], kind: str = "application/json"
        ) -> None:
            try:
                self.send_response(status)
                self.send_header("Content-Type", f"{kind}; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (timeout test)

    return Handler


@contextmanager
def running_x_server(
    corpus: dict[str, Any] | None = None,
    *,
    bearer_token: str = FAKE_BEARER,
    clock: Callable[[], datetime] | None = None,
) -> Iterator[XFakeServer]:
    """Serve ``corpus`` (default: the sample) on 127.0.0.1 at an ephemeral port."""
    corpus = corpus if corpus is not None else load_corpus()
    fake = XFakeServer(
        tweets=[dict(t) for t in corpus["tweets"]],
        users=[dict(u) for u in corpus["users"]],
        bearer_token=bearer_token,
        clock=clock or (lambda: datetime.now(UTC)),
    )
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(fake))
    httpd.daemon_threads = True
    fake.base_url = f"http://127.0.0.1:{httpd.server_address[1]}"
    thread = threading.Thread(target=httpd.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield fake
    finally:
        fake.hangs.set()  # release any hanging response
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def sample_brand_settings(**overrides: Any) -> XBrandSettings:
    """The sample brand's ``brands[i].sources.x`` settings."""
    return XBrandSettings.model_validate({**SAMPLE_CORPUS["brand"], **overrides})


def make_x_collector(
    base_url: str,
    clock: Callable[[], datetime],
    *,
    sleep: Callable[[float], None] | None = None,
    brand: dict[str, Any] | None = None,
    **settings: Any,
) -> tuple[XCollector, Target]:
    """A collector pointed at ``base_url`` and the sample brand's target."""
    source = XSettings.model_validate(
        {"enabled": True, "base_url": base_url, "bearer_token": FAKE_BEARER, **settings}
    )
    # Never really sleep in tests: retries wait through an injected no-op unless one is given.
    collector = XCollector(source, clock, sleep=sleep or (lambda seconds: None))
    return collector, Target("Skylark Air", sample_brand_settings(**(brand or {})))


class MutableClock:
    """A clock the test moves by hand (aware UTC)."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


def drain(
    collector: XCollector, target: Target, cursor: dict[str, Any] | None = None, **window: Any
) -> tuple[list[Page], list[Post]]:
    """Every page of one pass and the posts on them."""
    pages = list(collector.collect(target, cursor, **window))
    return pages, [post for page in pages for post in page.posts]
