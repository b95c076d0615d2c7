"""Tagging speed: items/s for title + summary, target >= 2,000 items/s on one core, with the
learned layer (the packaged model, :mod:`aggregator.tagging.labelled`) scoring every item.

Builds N items (default 12,000) from ``tests/data/labelled_items.jsonl`` with deterministic
variations (added sentences, changed numbers and dates, shuffled sentence order), so the word
distribution is like real news, and times one pass with a fresh tagger ("cold": every distinct
word analysed for the first time, voikko included) and a second pass over the same items
("warm": analyses cached). Peak memory is the Python heap peak (tracemalloc) of a separate,
untimed cold pass, because tracemalloc slows the code it watches; ``rss_mb`` is the whole
process's peak RSS (libvoikko and simplemma's Swedish dictionary included). ``new_word_us`` is
the extra CPU cost of a word seen for the first time, (cold - warm) / distinct words. The
``cpu_*`` rates use this process's CPU time, which a busy machine disturbs less than wall time.

"Word caches full" is what a long-running scheduler over varied text holds: a fresh process
tags items made of words never seen before (syllables joined at random, in fi, sv and en) until
far more distinct words than any per-word cache keeps
(:data:`aggregator.tagging.morphology.WORD_CACHE_ENTRIES`) have passed, and reports how much its
resident memory grew (``cache_growth_mb``) and the CPU per new word. With 200,000 entries per
cache it grew by 413 MB over 300,000 new words; with 50,000 and equal sets shared, by 171 MB.

Run ``python -m benchmarks.bench_tagging [N]``; ``run()`` returns the figures for the
``make bench`` table.
"""

from __future__ import annotations

import json
import random
import re
import resource
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from aggregator.tagging import TextItem, create_morphology, load_default_tagger
from aggregator.tagging.labelled import default_model
from benchmarks.common import figure

ROOT = Path(__file__).resolve().parent.parent
LABELLED = ROOT / "tests" / "data" / "labelled_items.jsonl"
CONFIG = ROOT / "config"
TARGET_ITEMS_PER_S = 2000.0
DEFAULT_ITEMS = 12_000
NEW_WORDS = 300_000  # six times the word caches' bound
SYLLABLES = ("ka", "to", "mi", "su", "le", "vo", "na", "ri", "pa", "hu", "jo", "sy", "tä", "kö",
             "ve", "lu", "in", "en", "an")  # fmt: skip

EXTRA_SENTENCES = {
    "fi": [
        "Lisätietoja antaa erityisasiantuntija puhelimitse arkisin.",
        "Tiedote on julkaistu myös ruotsiksi ja englanniksi.",
        "Asiasta kerrotaan tarkemmin verkkosivuillamme.",
        "Päivitetty {d}.{m}.{y} klo {h}.{mi}.",
        "Kunnat ja hyvinvointialueet saavat ohjeen sähköpostitse {d}.{m}.",
    ],
    "sv": [
        "Mer information ges av specialsakkunnig per telefon.",
        "Meddelandet har publicerats även på finska och engelska.",
        "Uppdaterad {d}.{m}.{y} kl. {h}.{mi}.",
    ],
    "en": [
        "Further information is available from the ministry's senior specialist.",
        "The release is also available in Finnish and Swedish.",
        "Updated on {d} {month} {y} at {h}.{mi}.",
    ],
}
MONTHS = ("January", "March", "May", "June", "September", "November")
NUMBER_RE = re.compile(r"\d+")


def build_items(count: int, seed: int = 2026) -> list[TextItem]:
    """``count`` varied items built from the labelled set (deterministic for a seed)."""
    base = [json.loads(line) for line in LABELLED.read_text(encoding="utf-8").splitlines()]
    rng = random.Random(seed)
    return [_vary(base[n % len(base)], rng) for n in range(count)]


def _vary(record: dict[str, Any], rng: random.Random) -> TextItem:
    language = record["language"]
    sentences = [s for s in record["summary"].split(". ") if s]
    if len(sentences) > 1 and rng.random() < 0.5:
        rng.shuffle(sentences)
    extra = rng.choice(EXTRA_SENTENCES.get(language, EXTRA_SENTENCES["en"])).format(
        d=rng.randint(1, 28), m=rng.randint(1, 12), y=rng.randint(2015, 2027),
        h=rng.randint(8, 16), mi=rng.choice(("00", "15", "30")), month=rng.choice(MONTHS),
    )  # fmt: skip
    summary = ". ".join(sentences) + " " + extra
    title = NUMBER_RE.sub(lambda m: str(int(m.group()) + rng.randint(0, 3)), record["title"])
    return TextItem(title, _renumber(summary, rng), "", language, record.get("source", ""))


def _renumber(text: str, rng: random.Random) -> str:
    return NUMBER_RE.sub(lambda m: str(int(m.group()) + rng.randint(0, 9)), text)


def _timed_pass(tagger: Any, items: list[TextItem]) -> tuple[float, float, int]:
    """Wall seconds, CPU seconds of this process, and the number of tags given."""
    tags = 0
    start, cpu_start = time.perf_counter(), time.process_time()
    for item in items:
        tags += len(tagger.tag(item))
    return time.perf_counter() - start, time.process_time() - cpu_start, tags


def _tagger() -> Any:
    return load_default_tagger(CONFIG, morphology=create_morphology(), model=default_model())


def _peak_mb(items: list[TextItem]) -> float:
    tagger = _tagger()
    tracemalloc.start()
    for item in items:
        tagger.tag(item)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    return peak / 1e6


def _rss_mb() -> float:
    with open("/proc/self/statm", encoding="ascii") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize() / 1e6


def word_caches_full(words: int = NEW_WORDS, seed: int = 7) -> dict[str, float]:
    """Tag items of never-seen words (12 an item) with a fresh tagger: resident memory growth
    and CPU per new word. Run in a fresh process (``--word-caches``) so nothing is cached yet."""
    rng = random.Random(seed)
    tagger = _tagger()
    lead = "Kotoutumisen osaamiskeskus julkaisi oppaan kunnille ja hyvinvointialueille"
    tagger.tag(TextItem(lead, "Lisätietoja antaa asiantuntija.", "", "fi", ""))
    start_mb, cpu_start, seen = _rss_mb(), time.process_time(), 0
    while seen < words:
        new = ["".join(rng.choices(SYLLABLES, k=rng.randint(3, 6))) for _ in range(12)]
        language = rng.choice(("fi", "fi", "fi", "sv", "en"))
        title, summary = f"{lead} {' '.join(new[:4])}", f"{' '.join(new[4:])}. Lisätietoja."
        tagger.tag(TextItem(title, summary, "", language, ""))
        seen += len(new)
    cpu = time.process_time() - cpu_start
    return {
        "new_words": seen,
        "start_mb": round(start_mb, 1),
        "cache_growth_mb": round(_rss_mb() - start_mb, 1),
        "new_word_cpu_us": round(cpu / seen * 1e6, 1),
    }


def _word_caches_in_fresh_process() -> dict[str, float]:
    command = [sys.executable, "-m", "benchmarks.bench_tagging", "--word-caches"]
    done = subprocess.run(command, capture_output=True, text=True, check=True, cwd=ROOT)
    figures: dict[str, float] = json.loads(done.stdout.splitlines()[-1])
    return figures


def run(items: int = DEFAULT_ITEMS) -> dict[str, Any]:
    """Tag ``items`` items cold then warm; the figures as a dict (see module docstring)."""
    batch = build_items(items)
    setup_start = time.perf_counter()
    tagger = _tagger()
    setup_seconds = time.perf_counter() - setup_start
    cold_seconds, cold_cpu, tags = _timed_pass(tagger, batch)
    cache = tagger.morphology.cache_info()
    warm_seconds, warm_cpu, _ = _timed_pass(tagger, batch)
    caches_full = _word_caches_in_fresh_process()
    rate, peak_mb = items / cold_seconds, _peak_mb(batch)
    met = rate >= TARGET_ITEMS_PER_S
    return {
        "name": "tagging (title + summary)",
        "items": items,
        "seconds": round(cold_seconds, 3),
        "items_per_s": round(items / cold_seconds, 1),
        "cpu_items_per_s": round(items / cold_cpu, 1),
        "warm_seconds": round(warm_seconds, 3),
        "warm_items_per_s": round(items / warm_seconds, 1),
        "warm_cpu_items_per_s": round(items / warm_cpu, 1),
        "setup_seconds": round(setup_seconds, 3),
        "peak_mb": round(peak_mb, 1),
        "target": TARGET_ITEMS_PER_S,
        "backend": tagger.morphology.backend,
        "model": bool(tagger.model),
        "distinct_words": cache.currsize,
        "new_word_us": round((cold_cpu - warm_cpu) / max(cache.currsize, 1) * 1e6, 1),
        "rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "tags_per_item": round(tags / items, 2),
        "word_caches_full": caches_full,
        "met": met,
        "figures": [
            figure("cold", round(rate, 1), "items/s", f">= {TARGET_ITEMS_PER_S:.0f}", met),
            figure("warm", round(items / warm_seconds, 1), "items/s"),
            figure("peak (Python heap, cold pass)", round(peak_mb, 1), "MB"),
            figure(
                f"RSS growth, {caches_full['new_words']:,} new words",
                caches_full["cache_growth_mb"],
                "MB",
            ),
            figure("CPU per new word", caches_full["new_word_cpu_us"], "µs"),
        ],
    }


def main(argv: list[str]) -> int:
    if argv[:1] == ["--word-caches"]:
        print(json.dumps(word_caches_full(int(argv[1]) if len(argv) > 1 else NEW_WORDS)))
        return 0
    figures = run(int(argv[0]) if argv else DEFAULT_ITEMS)
    print(
        f"{figures['name']}: {figures['items']} items, cold {figures['items_per_s']:.0f} items/s "
        f"({figures['seconds']} s; {figures['cpu_items_per_s']:.0f}/CPU-s), "
        f"warm {figures['warm_items_per_s']:.0f} items/s "
        f"({figures['warm_cpu_items_per_s']:.0f}/CPU-s), peak {figures['peak_mb']} MB, "
        f"target {figures['target']:.0f} items/s; word caches full: "
        f"+{figures['word_caches_full']['cache_growth_mb']} MB after "
        f"{figures['word_caches_full']['new_words']} new words"
    )
    print(json.dumps(figures))
    return 0 if figures["items_per_s"] >= figures["target"] else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
