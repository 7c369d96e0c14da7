"""Hostile strings a post text or author name can carry; every output must show them inert.

Each entry is ``(name, value)``; ``HOSTILE`` is the list, ``VALUES`` the bare strings.
Tests push them through Slack payloads, terminal tables, logs and mail bodies.
"""

from __future__ import annotations

#: Marker a forged line starts with; tests assert no output line ever starts with it.
FORGED = "CRITICAL monitor.daemon: forged"

HOSTILE: list[tuple[str, str]] = [
    ("slack_channel", "hey <!channel> and <!here> and <!everyone>"),
    ("slack_link", "<https://evil.example/login|click here> & <http://evil.example>"),
    ("slack_user", "ping <@U123ABC> and <#C999|general> <!subteam^S1|@team>"),
    ("esc_clear", "\x1b[2J\x1b[Hscreen cleared \x1b[31mred\x1b[0m"),
    ("osc8_link", "\x1b]8;;http://evil.example\x1b\\click\x1b]8;;\x1b\\"),
    ("crlf_log", f"innocent\r\n2026-01-01 00:00:00,000 {FORGED}"),
    ("lf_log", f"innocent\n{FORGED}"),
    ("cr_only", f"innocent\r{FORGED}"),
    ("header_bcc", "hello\r\nBcc: victim@example.com\r\nSubject: forged"),
    ("nul", "nul\x00byte"),
    ("c1_controls", "c1\x85next line\x9b31mCSI\x9d8;;http://evil\x9c"),
    ("bell_backspace", "bell\x07 back\x08\x08\x08 vt\x0b ff\x0c del\x7f"),
    ("lone_surrogate", "lone \ud800 surrogate"),
    ("rtl_override", "invoice \u202egpj.exe\u202c and \u2066isolate\u2069"),
    ("line_separator", "para\u2028graph\u2029break"),
    ("rich_markup", "[bold red]x[/] [link=http://evil.example]click[/link]"),
    ("emoji_shortcode", "collect:x:Acme :rotating_light: :x:"),
    ("like_wildcards", "100% off_sale \\ back"),
    ("html_script", "<script>alert('pwned')</script><img src=x onerror=alert(1)>"),
    ("huge", "A" * 100_000),
]

VALUES: list[str] = [value for _, value in HOSTILE]
