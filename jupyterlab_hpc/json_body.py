"""The one reader of JSON request bodies: bounded, strict, a 4xx with a message otherwise.

Python's json module takes any length, any depth (until the interpreter's recursion limit),
NaN, and "\\ud800" escapes that decode to lone surrogates, which no UTF-8 encoder, file name
or argv can carry later. Every route that reads a JSON body reads it here, so hostile bodies
are refused before a handler sees them: 413 when too large, 400 saying what is wrong.
"""

from __future__ import annotations

import json
import re
from typing import Any

from tornado import web

# Bodies of this extension's routes are small settings: an app's arguments and environment
# (at most 64 variables of 8 KiB), a list of filesystems, a port. Slurm scripts get more.
MAX_BODY_BYTES = 1024 * 1024
# The deepest body any route accepts is {"filesystems": [{...}]}: 3 levels.
MAX_DEPTH = 16
# Entries of one object or array; routes bound their own lists further.
MAX_ITEMS = 1000

_SURROGATE = re.compile("[\ud800-\udfff]")


class BodyError(ValueError):
    """What is wrong with a decoded JSON value, for a 400."""


def read_json_body(
    handler: web.RequestHandler,
    *,
    max_bytes: int = MAX_BODY_BYTES,
    max_depth: int = MAX_DEPTH,
    max_items: int = MAX_ITEMS,
    empty: Any = None,
) -> Any:
    """The request's JSON body, checked; `empty` when there is none.

    Raises HTTPError 413 when the body is larger than max_bytes, 400 when it is not UTF-8,
    not JSON, nested deeper than max_depth, has an object or array of more than max_items,
    or holds a number that is not finite or a lone surrogate.
    """
    raw = handler.request.body
    if len(raw) > max_bytes:
        raise web.HTTPError(
            413, f"The request body is {len(raw)} bytes; the most this route takes is {max_bytes}."
        )
    if not raw.strip():
        return empty
    return loads(raw, max_depth=max_depth, max_items=max_items)


def loads(raw: bytes, *, max_depth: int = MAX_DEPTH, max_items: int | None = MAX_ITEMS) -> Any:
    """Strict json.loads of bytes; HTTPError 400 with the reason when they are not acceptable."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as error:
        raise web.HTTPError(
            400, f"The request body is not UTF-8 text (byte {error.start + 1} is not valid)."
        ) from None
    try:
        value = json.loads(text, parse_constant=_refuse_constant)
    except RecursionError:
        raise web.HTTPError(
            400, f"The request body nests deeper than {max_depth} levels."
        ) from None
    except ValueError as error:
        raise web.HTTPError(400, f"The request body is not JSON: {error}.") from None
    try:
        check_value(value, max_depth=max_depth, max_items=max_items)
    except BodyError as error:
        raise web.HTTPError(400, f"The request body {error}") from None
    return value


def check_value(value: Any, *, max_depth: int, max_items: int | None, depth: int = 0) -> None:
    """Raise BodyError when the decoded value is deeper, wider or holds text it must not."""
    if isinstance(value, str):
        _check_text(value)
        return
    if not isinstance(value, (dict, list)):
        return
    if depth >= max_depth:
        raise BodyError(f"nests deeper than {max_depth} levels.")
    if max_items is not None and len(value) > max_items:
        raise BodyError(f"has a list or object of {len(value)} entries; the most is {max_items}.")
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(key, str):
            _check_text(key)
        check_value(item, max_depth=max_depth, max_items=max_items, depth=depth + 1)


def _check_text(text: str) -> None:
    found = _SURROGATE.search(text)
    if found is not None:
        raise BodyError(
            f"holds a lone surrogate (\\u{ord(found.group()):04x}), which is not a character: "
            "no file name, argument or UTF-8 text can carry it."
        )


def _refuse_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")
