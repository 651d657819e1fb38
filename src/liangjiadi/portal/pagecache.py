"""Pages rendered once per release and viewpoint, then served with the reader's own watermark.

A dashboard or a release page is a function of the frozen release (its content, its state), the
publication rules that apply (benchmark tiers), the reader's role and institution and the page's
options; the only parts that change from one view to the next are the watermark (name,
institution, time, watermark id), the reader's name and the CSRF token. The page is rendered
once with stand-in markers for those parts and kept (least recently used first out); each view
replaces the markers with the escaped values (HTML in the page, JSON in the chart's data).

The cache key is the caller's statement of everything else the page shows: a page whose content
depends on something not in its key must not use this cache. Frozen releases never change; a
withdrawal or a correction changes the release's state, which is part of the `Release` record and
so of every key. JSON answers are cached the same way (`cached_json`).
"""

from __future__ import annotations

import dataclasses
import html
import json
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable

from fastapi import Request
from fastapi.responses import HTMLResponse, Response

from ..accounts import User

# stand-ins: ASCII letters and digits only, so escaping leaves them as they are
WATERMARK = "LJDMARKWATERMARK9f3c1a"
WATERMARK_JSON = "LJDMARKWATERMARKJSON9f3c1a"
WATERMARK_ID = "LJDMARKWMID9f3c1a"
CSRF = "LJDMARKCSRF9f3c1a"
NAME = "LJDMARKNAME9f3c1a"
PAGES = 512  # rendered pages kept per process (a dashboard is ~60 KB)
ANSWERS = 512  # JSON answers kept per process


class _LRU:
    def __init__(self, size: int):
        self.size = size
        self.items: OrderedDict = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key):
        with self.lock:
            value = self.items.get(key)
            if value is not None:
                self.items.move_to_end(key)
            return value

    def put(self, key, value) -> None:
        with self.lock:
            self.items[key] = value
            self.items.move_to_end(key)
            while len(self.items) > self.size:
                self.items.popitem(last=False)

    def clear(self) -> None:
        with self.lock:
            self.items.clear()


_pages = _LRU(PAGES)
_answers = _LRU(ANSWERS)


def viewer(user: User) -> User:
    """The user as a page sees it, with the name left as a marker (one rendering per viewpoint)."""
    return dataclasses.replace(user, display_name=NAME, username=NAME, user_id=0, email=None)


def viewpoint(user: User) -> tuple:
    """What of the reader a page may depend on, besides the name."""
    return (user.role, user.fixmedins_code, user.admdvs, user.member_id, user.valid_until)


def json_text(value) -> str:
    """JSON for a <script type="application/json"> block: `<` escaped so no text can close the block."""
    return json.dumps(value, ensure_ascii=False, default=str).replace("<", "\\u003c")


def render(request: Request, templates, name: str, key: Hashable, build: Callable[[], dict], *,
           watermark: str, watermark_id: str, csrf: str | None, user: User, status_code: int = 200) -> HTMLResponse:
    """The page `name` for `key`: rendered by `build()`'s context on the first view, then reused.
    `build` gets the markers through the context keys watermark, watermark_id, csrf and user."""
    full_key = (name, viewpoint(user), key)
    text = _pages.get(full_key)
    if text is None:
        context = {**build(), "watermark": WATERMARK, "watermark_id": WATERMARK_ID, "csrf": CSRF,
                   "user": viewer(user)}
        text = templates.get_template(name).render(context)
        _pages.put(full_key, text)
    text = (text.replace(WATERMARK_JSON, json_text(watermark)[1:-1])
            .replace(WATERMARK, html.escape(watermark))
            .replace(WATERMARK_ID, html.escape(watermark_id))
            .replace(CSRF, html.escape(csrf or ""))
            .replace(NAME, html.escape(user.display_name)))
    return HTMLResponse(text, status_code=status_code)


def cached_json(key: Hashable, build: Callable[[], object]) -> Response:
    """A JSON answer serialised once per key (the API's answers are pure functions of their key)."""
    body = _answers.get(key)
    if body is None:
        body = json.dumps(build(), ensure_ascii=False, default=str, separators=(",", ":")).encode("utf-8")
        _answers.put(key, body)
    return Response(body, media_type="application/json")


def clear() -> None:
    _pages.clear()
    _answers.clear()
