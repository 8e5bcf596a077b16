"""Feeds built from the archive: Atom for a search, iCalendar for deadlines. Pure functions.

Atom is built with ElementTree, so changelog text is always XML-escaped character data; the
calendar with the icalendar package, which folds and escapes property values.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import xml.etree.ElementTree as ET

import icalendar

from aksnews.web.models import DeadlineOut, SearchOut

ATOM_NS = "http://www.w3.org/2005/Atom"
_MARKS = re.compile(r"\*\*")
# XML 1.0 forbids most control characters even when escaped.
_XML_INVALID = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_text(value: str) -> str:
    return _XML_INVALID.sub("", value)


def _timestamp(day: dt.date | None, fallback: dt.datetime) -> str:
    if day is None:
        return fallback.astimezone(dt.UTC).isoformat(timespec="seconds")
    return dt.datetime(day.year, day.month, day.day, tzinfo=dt.UTC).isoformat(timespec="seconds")


def _title(result_kind: str, release: str, snippet: str) -> str:
    text = " ".join(_MARKS.sub("", snippet).split())
    short = text if len(text) <= 100 else text[:99].rstrip() + "…"
    return f"{release} [{result_kind}] {short}"


def search_atom(results: SearchOut, *, feed_url: str, page_url: str, now: dt.datetime) -> bytes:
    """An Atom 1.0 feed of search results; entry ids and links are the entries' permalinks."""
    ET.register_namespace("", ATOM_NS)

    def sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
        element = ET.SubElement(parent, f"{{{ATOM_NS}}}{tag}", attrs)
        if text is not None:
            element.text = _xml_text(text)
        return element

    feed = ET.Element(f"{{{ATOM_NS}}}feed")
    q = results.query
    filters = [
        f"{k}={v}"
        for k, v in (
            ("source", q.source),
            ("kind", q.kind),
            ("version", q.version),
            ("since", q.since),
            ("until", q.until),
        )
        if v
    ]
    if q.q:
        label = f"aksnews search: {q.q}" + (f" ({', '.join(filters)})" if filters else "")
    else:
        label = f"aksnews entries: {', '.join(filters)}"
    sub(feed, "title", label)
    sub(feed, "id", feed_url)
    sub(feed, "link", rel="self", href=feed_url, type="application/atom+xml")
    sub(feed, "link", rel="alternate", href=page_url, type="text/html")
    dates = [h.date for h in results.results if h.date is not None]
    sub(feed, "updated", _timestamp(max(dates) if dates else None, now))
    author = sub(feed, "author")
    sub(author, "name", "aksnews")
    sub(feed, "generator", "aksnews")
    for hit in results.results:
        entry = sub(feed, "entry")
        sub(entry, "title", _title(hit.kind, hit.release, hit.snippet))
        sub(entry, "id", hit.permalink)
        sub(entry, "link", rel="alternate", href=hit.permalink, type="text/html")
        sub(entry, "link", rel="related", href=hit.url, type="text/html")
        sub(entry, "updated", _timestamp(hit.date, now))
        sub(entry, "category", term=hit.kind)
        sub(entry, "summary", " ".join(_MARKS.sub("", hit.snippet).split()), type="text")
    body: bytes = ET.tostring(feed, encoding="utf-8", xml_declaration=True)
    return body


def _uid(deadline: DeadlineOut) -> str:
    raw = "\x1f".join((deadline.kind, deadline.subject.casefold(), deadline.date.isoformat()))
    return hashlib.sha1(raw.encode("utf-8")).hexdigest()[:20] + "@aksnews"


def deadlines_ics(deadlines: list[DeadlineOut], *, name: str, now: dt.datetime) -> bytes:
    """All-day events, one per deadline; UIDs depend on what and when, so a calendar app
    updates rather than duplicates them when the feed is fetched again."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", "-//aksnews//deadlines//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    stamp = now.astimezone(dt.UTC)
    for deadline in deadlines:
        event = icalendar.Event()
        event.add("uid", _uid(deadline))
        event.add("dtstamp", stamp)
        event.add("dtstart", deadline.date)
        event.add("dtend", deadline.date + dt.timedelta(days=1))
        event.add("summary", deadline.title)
        event.add("categories", [deadline.kind])
        if deadline.source:
            event.add("description", f"Stated in {deadline.source}")
        if deadline.url:
            event.add("url", deadline.url)
        event.add("transp", "TRANSPARENT")
        calendar.add_component(event)
    data: bytes = calendar.to_ical()
    return data
