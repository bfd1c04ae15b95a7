"""`make card-pictures`: redraw the Teams card pictures in docs/img/cards from the cards the bot sends.

The cards come from the bot's own code (tools/cards/scenes.py); Microsoft's Adaptive Cards renderer
draws them in headless Chromium (tools/cards/render.mjs). Beside the pictures, cards.json keeps the
SHA-256 of each card's JSON, so tests/docs/test_card_pictures.py can tell, without a browser, that a
card changed and its picture was not redrawn.

    python -m tools.cards.pictures          redraw every picture (needs node, npm ci in tools/cards, chromium)
    python -m tools.cards.pictures --check  only say which pictures are out of date (exit 1 if any)
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

from tools.cards import scenes

ROOT = Path(__file__).resolve().parents[2]
TOOLS = ROOT / "tools" / "cards"
PICTURES = ROOT / "docs" / "img" / "cards"
MANIFEST = PICTURES / "cards.json"
COMMAND = "make card-pictures"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")


def card_hash(card: dict) -> str:
    """The SHA-256 of a card's JSON, keys sorted, so the same card always hashes the same."""
    text = json.dumps(card, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def recorded() -> dict[str, dict[str, str]]:
    """The manifest: each picture's file and the hash of the card it was drawn from."""
    if not MANIFEST.exists():
        return {}
    return json.loads(MANIFEST.read_text(encoding="utf-8"))["pictures"]


def out_of_date(built: dict[str, dict]) -> list[str]:
    """What is wrong between the cards the bot sends now and the pictures drawn, one line each."""
    drawn = recorded()
    problems = [f"{name}: no picture yet" for name in built if name not in drawn]
    problems += [f"{name}: pictured, but the bot no longer sends this card" for name in drawn if name not in built]
    for name, card in built.items():
        entry = drawn.get(name)
        if entry is None:
            continue
        if entry["sha256"] != card_hash(card):
            problems.append(f"{name}: the card changed since {entry['png']} was drawn")
        if not (PICTURES / entry["png"]).exists():
            problems.append(f"{name}: {entry['png']} is missing")
    return problems


def missing_tools() -> list[str]:
    """What drawing needs and this machine lacks, each with how to get it."""
    missing = [] if shutil.which("node") else ["node (Node.js 18 or later)"]
    if not (TOOLS / "node_modules" / "adaptivecards").exists():
        missing.append("the renderer: npm ci --prefix tools/cards")
    if not Path(CHROMIUM).exists():
        missing.append(f"Chromium at {CHROMIUM}: apt-get install chromium chromium-l10n (or set CHROMIUM)")
    return missing


def draw(built: dict[str, dict]) -> None:
    """Render every card to PICTURES/NAME.png and write the manifest; pictures of cards gone are removed."""
    with tempfile.TemporaryDirectory(prefix="cme-cards-") as folder:
        source, out = Path(folder) / "cards.json", Path(folder) / "png"
        out.mkdir()
        entries = {name: {"card": card, "time": scenes.TIME.get(name, "10:00")} for name, card in built.items()}
        source.write_text(json.dumps(entries), encoding="utf-8")
        subprocess.run(["node", str(TOOLS / "render.mjs"), str(source), str(out)], check=True)
        PICTURES.mkdir(parents=True, exist_ok=True)
        for name in recorded():
            if name not in built:
                (PICTURES / f"{name}.png").unlink(missing_ok=True)
        for name in built:
            shutil.copyfile(out / f"{name}.png", PICTURES / f"{name}.png")
    pictures = {name: {"png": f"{name}.png", "sha256": card_hash(card)} for name, card in sorted(built.items())}
    note = f"Drawn by `{COMMAND}` from the bot's own cards (tools/cards/scenes.py); checked by tests/docs."
    MANIFEST.write_text(json.dumps({"note": note, "pictures": pictures}, indent=2) + "\n", encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    """Redraw the pictures, or with --check say which are out of date."""
    parser = argparse.ArgumentParser(prog="python -m tools.cards.pictures", description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only list pictures out of date (exit 1 if any)")
    args = parser.parse_args(argv)
    built = scenes.cards()
    if args.check:
        problems = out_of_date(built)
        for line in problems:
            print(line)
        if problems:
            print(f"Redraw them with `{COMMAND}`.")
        return 1 if problems else 0
    missing = missing_tools()
    if missing:
        print("Can't draw the card pictures; missing:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 2
    draw(built)
    print(f"{len(built)} pictures in {PICTURES.relative_to(ROOT)}: {', '.join(built)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
