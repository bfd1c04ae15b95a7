"""The caseload chart as a PNG, drawn without a display (matplotlib's Agg), counts only.

matplotlib is imported inside `chart_png`, not at module level: the server imports this module at start
and most processes never draw a chart, so start-up time and memory stay as they were (bench/bench_startup.py).
"""

from __future__ import annotations

import io
import textwrap

from handlers.messages import Attachment
from handlers.reports.stats import Stats, describe, period_label

TOP = 8  # bars in a breakdown: more would not be readable
LABEL_WIDTH = 26
NEW, CLOSED, OPEN = "#1d70b8", "#00703c", "#d4351c"  # GOV.UK blue, green, red: distinct in greyscale too


def chart_png(stats: Stats) -> bytes:
    """Four panels (per month, by reason, by time missing, year on year) as PNG bytes."""
    import matplotlib

    matplotlib.use("Agg")  # headless: never look for a display
    from matplotlib.figure import Figure  # a Figure without pyplot keeps no global state between threads

    figure = Figure(figsize=(11, 8), dpi=80)
    figure.suptitle(f"Children missing education: cases {period_label(stats)}")
    monthly, reasons, lengths, yearly = figure.subplots(2, 2).flat
    # Fixed margins, not a layout engine: "constrained" draws the figure twice (half the time at a million cases).
    figure.subplots_adjust(left=0.06, right=0.98, bottom=0.1, top=0.92, wspace=0.62, hspace=0.42)
    _monthly(monthly, stats)
    _bars(reasons, stats.by_reason, "Open cases by reason", horizontal=True)
    _bars(lengths, stats.by_length, "Open cases by time missing")
    _year_on_year(yearly, stats)
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", metadata={"Software": None})
    return buffer.getvalue()


def _monthly(axes, stats: Stats) -> None:
    labels = [m.month for m in stats.months]
    places = range(len(labels))
    axes.bar([p - 0.2 for p in places], [m.new for m in stats.months], 0.4, label="New", color=NEW)
    axes.bar([p + 0.2 for p in places], [m.closed for m in stats.months], 0.4, label="Closed", color=CLOSED)
    axes.plot(list(places), [m.open_at_end for m in stats.months], "o-", label="Open at month end", color=OPEN)
    axes.set_xticks(list(places), labels, rotation=60, fontsize=8)
    axes.set_title("New and closed cases per month, open caseload")
    axes.legend(fontsize=8)


def _bars(axes, counts: dict[str, int], title: str, *, horizontal: bool = False) -> None:
    axes.set_title(title if len(counts) <= TOP else f"{title} (the {TOP} largest)")
    if not counts:
        axes.text(0.5, 0.5, "No open cases", ha="center", va="center", transform=axes.transAxes)
        return
    # The largest few, long labels wrapped: a reason's DfE wording can run to fifty characters.
    names = [textwrap.fill(name, LABEL_WIDTH) for name in list(counts)[:TOP]]
    values = list(counts.values())[:TOP]
    if horizontal:
        axes.barh(names[::-1], values[::-1], color=NEW)
        axes.tick_params(axis="y", labelsize=8)
    else:
        axes.bar(names, values, color=NEW)


def _year_on_year(axes, stats: Stats) -> None:
    change = stats.change
    axes.bar(["A year earlier", "This period"], [stats.new_year_before, stats.new_in_period], color=[CLOSED, NEW])
    title = "New cases, year on year"
    axes.set_title(title if change is None else f"{title}: {change:+.0%}")


def chart_attachment(stats: Stats) -> Attachment:
    """The chart as a file for the person, with its figures as alt text."""
    name = f"cme-stats-{stats.first:%Y-%m}-to-{stats.last:%Y-%m}.png"
    return Attachment(name, "image/png", chart_png(stats), " ".join(describe(stats)))
