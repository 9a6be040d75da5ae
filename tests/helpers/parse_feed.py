"""Parses feed files with Debian's feedparser and prints what the tests check, as JSON (one object per file)."""
import json
import sys

import feedparser


def summary(path):
    parsed = feedparser.parse(path)
    return {
        "bozo": bool(parsed.bozo),
        "bozo_exception": str(parsed.get("bozo_exception", "")),
        "version": parsed.version,
        "title": parsed.feed.get("title"),
        "link": parsed.feed.get("link"),
        "updated": parsed.feed.get("updated"),
        "entries": [
            {
                "id": e.get("id"),
                "title": e.get("title"),
                "link": e.get("link"),
                "published": e.get("published"),
                "updated": e.get("updated"),
                "summary": e.get("summary"),
                "content": [c.get("value") for c in e.get("content", [])],
                "tags": [t.get("term") for t in e.get("tags", [])],
                "author": e.get("author"),
                # Where readers find an item's picture: RSS <enclosure> and Atom link rel="enclosure"
                # (feedparser lists both as enclosures), Media RSS <media:content> and <media:thumbnail>.
                "enclosures": [
                    {"href": x.get("href"), "type": x.get("type"), "length": x.get("length")}
                    for x in e.get("enclosures", [])
                ],
                "media_content": [
                    {"url": m.get("url"), "medium": m.get("medium"), "type": m.get("type")}
                    for m in e.get("media_content", [])
                ],
                "media_thumbnail": [m.get("url") for m in e.get("media_thumbnail", [])],
            }
            for e in parsed.entries
        ],
    }


results = [summary(path) for path in sys.argv[1:]]
print(json.dumps(results[0] if len(results) == 1 else results, ensure_ascii=False))
