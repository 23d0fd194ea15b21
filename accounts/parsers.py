"""The API's JSON parser: DRF's, with a bound on nesting. A body nested a few thousand levels deep (a
15 KB request) would otherwise exhaust the interpreter's recursion limit in the decoder or in whatever
walks the data next, and answer 500 on every JSON endpoint, the unauthenticated token endpoint included.
No request of this API nests more than a handful of levels, so anything past MAX_DEPTH is refused with
a 400 in the API's error format before it is decoded."""

import io
import re

from rest_framework import parsers
from rest_framework.exceptions import ParseError

MAX_DEPTH = 64

# JSON strings (escapes included) are skipped, so brackets inside text are not counted
_STRING = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)
_BRACKETS = re.compile(rb"[\[\]{}]")


class JSONTooDeep(ParseError):
    default_code = "json_too_deep"


def json_depth(body: bytes) -> int:
    """The deepest nesting of arrays and objects in a JSON text (0 for a scalar). Malformed text is
    left to the decoder: this only counts."""
    depth = deepest = 0
    for match in _BRACKETS.finditer(_STRING.sub(b'""', body)):
        if match.group() in (b"[", b"{"):
            depth += 1
            deepest = max(deepest, depth)
        else:
            depth -= 1
    return deepest


class DepthLimitedJSONParser(parsers.JSONParser):
    def parse(self, stream, media_type=None, parser_context=None):
        body = stream.read() if stream is not None else b""
        if json_depth(body) > MAX_DEPTH:
            raise JSONTooDeep(f"JSON nested deeper than {MAX_DEPTH} levels")
        return super().parse(io.BytesIO(body), media_type, parser_context)
