"""Fingerprints of a source's wording: what lets `check` tell a brief that still copies its source.

`briefgen import` records short hashes of runs of the source's words in the draft's
`source_fingerprint` field, never the source itself (the desk does not keep or publish it). A body
that still holds any run of RUN + STEP - 1 of the source's words holds one of the recorded runs,
which the same hashing of the body's own runs finds.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterable

#: Words in a recorded run.
RUN = 12
#: Every how many words of the source a run is recorded.
STEP = 6
#: The format of the field: its version and the two numbers above, before the hashes.
HEADER = f"v1:{RUN}/{STEP}"

_WORD = re.compile(r"\w+")


def words_of(text: str) -> list[str]:
    """The words fingerprints are made of: lower case, apostrophes and quotation marks ignored."""
    return _WORD.findall(text.replace("’", "").replace("'", "").casefold())


def run_hash(words: list[str]) -> str:
    """Eight hex digits of the SHA-1 of a run of words."""
    return hashlib.sha1(" ".join(words).encode("utf-8")).hexdigest()[:8]


def fingerprint(paragraphs: Iterable[str]) -> str:
    """The `source_fingerprint` value of a source: the header, then a hash every STEP words."""
    words = words_of(" ".join(paragraphs))
    return " ".join([HEADER, *(run_hash(words[i:i + RUN]) for i in range(0, len(words) - RUN + 1, STEP))])


def copied_run(recorded: str, texts: Iterable[str]) -> str | None:
    """The first run of RUN words of `texts` whose hash `recorded` (a `fingerprint`) holds, if any."""
    header, *hashes = recorded.split()
    if header != HEADER or not hashes:
        return None  # another format: say nothing rather than guess
    known = frozenset(hashes)
    for text in texts:
        words = words_of(text)
        for start in range(len(words) - RUN + 1):
            if run_hash(words[start:start + RUN]) in known:
                return " ".join(words[start:start + RUN])
    return None
