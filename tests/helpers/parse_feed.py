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
            }
            for e in parsed.entries
        ],
    }


results = [summary(path) for path in sys.argv[1:]]
print(json.dumps(results[0] if len(results) == 1 else results, ensure_ascii=False))
