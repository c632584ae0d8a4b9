"""What Telegram accepts as HTML in our replies: b, i, blockquote and a href, properly nested; every <, >
and & that is not markup written as an entity; valid UTF-8."""

import re

_TOKEN_RE = re.compile(r'<(/?)(b|i|blockquote)>|<a href="[^"<>]*">|</a>|&(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);')


def check_telegram_html(text: str) -> None:
    text.encode("utf-8")  # raises on lone surrogates
    stack, cursor = [], 0
    for match in _TOKEN_RE.finditer(text):
        between = text[cursor:match.start()]
        assert not set(between) & set("<>&"), f"raw markup character in {between!r}"
        cursor = match.end()
        token = match.group()
        if token.startswith("<a "):
            stack.append("a")
        elif token == "</a>":
            assert stack and stack.pop() == "a", "unbalanced </a>"
        elif match.group(2):
            if match.group(1):
                assert stack and stack.pop() == match.group(2), f"unbalanced {token}"
            else:
                assert match.group(2) not in stack, f"nested {token}"
                stack.append(match.group(2))
    assert not set(text[cursor:]) & set("<>&"), "raw markup character at the end"
    assert not stack, f"unclosed {stack}"
