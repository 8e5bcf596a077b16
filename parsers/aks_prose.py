"""Reading the AKS changelog's prose: dates as the changelog writes them, sentences, and a
lower case that keeps offsets.

The fact extractors run on lower-cased text with patterns that start with literal text:
Python's regex engine only skips ahead quickly to a literal first character, and a leading \\b
or re.IGNORECASE costs about three times as much on every entry.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from bisect import bisect_left
from collections.abc import Sequence

_ASCII_LOWER = {c: c + 32 for c in range(ord("A"), ord("Z") + 1)}


def lower_same_length(text: str) -> str:
    """Lower case that keeps every offset: str.lower() may grow non-ASCII text ('İ')."""
    return text.lower() if text.isascii() else text.translate(_ASCII_LOWER)


# --- dates ----------------------------------------------------------------------------------------

_MONTHS = {name.lower(): i for i, name in enumerate(calendar.month_name) if name}
_MONTHS.update({name.lower(): i for i, name in enumerate(calendar.month_abbr) if name})
_MONTH = (
    r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|"
    r"sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
)
_ORD = r"(?:st|nd|rd|th)?"
_YEAR = re.compile(r"(?:19|20)\d\d(?!\d)")
_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?!\d)")
# The words before a year: '30 November ', 'November 30th, ', 'Jan, 15 ', 'end of July '.
_BEFORE_YEAR = re.compile(
    rf"(?:(?<!\d)(?P<d1>\d{{1,2}}){_ORD}\s+(?P<m1>{_MONTH})\.?,?"
    rf"|\b(?P<m2>{_MONTH})\.?,?\s+(?P<d2>\d{{1,2}}){_ORD},?"
    rf"|(?P<end>\bend\s+of\s+(?:the\s+)?)?\b(?P<m3>{_MONTH})\.?,?)\s+$",
    re.IGNORECASE,
)


def _month_number(name: str) -> int:
    key = name.lower()
    return _MONTHS.get(key) or _MONTHS[key[:3]]


def find_dates(text: str) -> list[tuple[int, dt.date]]:
    """Every stated date with its position: '30 November 2025', 'November 30th, 2025',
    'Jan, 15 2025', '2025-11-30', and month-only 'March 2026' (the 1st) or 'end of July 2023'
    (the last day). Dates without a year are ignored: guessing the year would invent deadlines.

    Every date holds a year, so the scan looks for years and then at the words before each.
    """
    found: list[tuple[int, dt.date]] = []
    for year_match in _YEAR.finditer(text):
        start = year_match.start()
        if start and text[start - 1].isdigit():
            continue
        year = int(year_match.group(0))
        try:
            iso = _ISO_DATE.match(text, start)
            if iso:
                found.append((start, dt.date(year, int(iso.group(2)), int(iso.group(3)))))
                continue
            m = _BEFORE_YEAR.search(text, max(0, start - 32), start)
            if m is None:
                continue
            if m.group("m1"):
                day = dt.date(year, _month_number(m.group("m1")), int(m.group("d1")))
            elif m.group("m2"):
                day = dt.date(year, _month_number(m.group("m2")), int(m.group("d2")))
            else:
                month = _month_number(m.group("m3"))
                last = calendar.monthrange(year, month)[1] if m.group("end") else 1
                day = dt.date(year, month, last)
        except ValueError:
            continue  # '31 February 2025' and friends: no date rather than a wrong one
        found.append((m.start(), day))
    return found


def parse_date(text: str) -> dt.date | None:
    """The first date stated in `text`, or None."""
    dates = find_dates(text)
    return dates[0][1] if dates else None


def date_near(dates: Sequence[tuple[int, dt.date]], pos: int) -> dt.date | None:
    """The first date after `pos`, else the last one before it (`dates` in text order, as
    find_dates gives them: a binary search keeps many lookups linear)."""
    if not dates:
        return None
    i = bisect_left(dates, pos, key=lambda item: item[0])
    return dates[i][1] if i < len(dates) else dates[-1][1]


# --- sentences ----------------------------------------------------------------------------------

_SENTENCE_END = re.compile(r"[.!?;]\s")


def sentences(text: str) -> list[tuple[int, str]]:
    """(offset, sentence) pairs of flattened prose. Version numbers never end a sentence:
    '1.25.4' has no space after its dots."""
    out: list[tuple[int, str]] = []
    start = 0
    for m in _SENTENCE_END.finditer(text):
        out.append((start, text[start : m.start() + 1]))
        start = m.end()
    if start < len(text):
        out.append((start, text[start:]))
    return out
