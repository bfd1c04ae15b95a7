"""What a built page would fetch from elsewhere when opened: fonts, scripts, styles, pictures.

The site must read with no network (a council laptop on a closed network, a printed page): the
hook fails the build when a page or stylesheet under site/ would load anything from another host.
A link a reader may follow (`<a href="https://...">`) is not a fetch and is allowed.
"""

from __future__ import annotations

import re
from html.parser import HTMLParser
from pathlib import Path

EXTERNAL = re.compile(r"^\s*(?:[a-z][a-z0-9+.-]*:)?//", re.I)  # https://host, //host
CSS_URL = re.compile(r"""(?:url\(\s*['"]?|@import\s+['"])((?:[a-z][a-z0-9+.-]*:)?//[^'")\s]+)""", re.I)
# Tags whose attribute is fetched when the page opens. <link> is fetched unless it only names a page.
FETCHED = {
    "script": "src",
    "img": "src",
    "iframe": "src",
    "source": "src",
    "video": "src",
    "audio": "src",
    "embed": "src",
    "object": "data",
    "link": "href",
}
NOT_FETCHED_LINKS = {"canonical", "alternate", "author", "license", "next", "prev", "search"}


class _Fetches(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "link" and set((values.get("rel") or "").lower().split()) <= NOT_FETCHED_LINKS:
            return
        url = values.get(FETCHED.get(tag, ""))
        if url and EXTERNAL.match(url):
            self.found.append(f"<{tag}> {url}")
        if values.get("srcset") and EXTERNAL.search(values["srcset"]):
            self.found.append(f"<{tag} srcset> {values['srcset']}")
        self.found.extend(f"<{tag} style> {url}" for url in CSS_URL.findall(values.get("style") or ""))

    def handle_data(self, data: str) -> None:
        if self.lasttag == "style":
            self.found.extend(f"<style> {url}" for url in CSS_URL.findall(data))


def external_fetches(site: Path) -> list[str]:
    """Each page or stylesheet under `site` that would fetch from another host, with what it fetches."""
    problems = []
    for path in sorted(site.rglob("*")):
        if path.suffix == ".html":
            parser = _Fetches()
            parser.feed(path.read_text(encoding="utf-8"))
            found = parser.found
        elif path.suffix == ".css":
            found = CSS_URL.findall(path.read_text(encoding="utf-8"))
        else:
            continue
        problems.extend(f"{path.relative_to(site)}: {what}" for what in found)
    return problems
