"""A built page that would fetch from another host is found; links a reader follows are not fetches."""

from __future__ import annotations

from pathlib import Path

from tools.docs.offline import external_fetches


def test_fonts_scripts_and_pictures_from_elsewhere_are_found(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        '<link rel="preconnect" href="https://fonts.gstatic.com">'
        '<link rel="stylesheet" href="//fonts.googleapis.com/css?family=Roboto">'
        '<script src="https://www.googletagmanager.com/gtag/js"></script>'
        '<img src="https://example.org/logo.png">',
        encoding="utf-8",
    )
    (tmp_path / "assets").mkdir()
    (tmp_path / "assets" / "site.css").write_text("@font-face{src:url(https://cdn.example/f.woff2)}", encoding="utf-8")
    found = external_fetches(tmp_path)
    assert len(found) == 5
    assert "assets/site.css: https://cdn.example/f.woff2" in found


def test_local_assets_and_links_to_follow_are_allowed(tmp_path: Path) -> None:
    (tmp_path / "page.html").write_text(
        '<link rel="stylesheet" href="assets/main.css"><script src="assets/app.js"></script>'
        '<link rel="canonical" href="https://docs.example/page/">'
        '<a href="https://www.gov.uk/government/publications/children-missing-education">guidance</a>'
        '<img src="stats-example.png">',
        encoding="utf-8",
    )
    assert external_fetches(tmp_path) == []
