"""The fetch stage: polite, bounded HTTP GETs that turn URLs into :class:`~aggregator.types.Page`.

This is one of the few places that do I/O. Everything a crawler owes the sites it reads
(robots.txt, a named User-Agent with a contact address, a pause between requests to one host,
conditional GETs) and everything it owes itself (timeouts, size caps, bounded retries and
redirects, a guard against being steered at internal addresses) happens here, so the parsers
downstream only ever see bytes that were allowed and bounded.

Modules: ``client`` (the :class:`Fetcher`), ``guard`` (SSRF), ``robots``, ``politeness``,
``retry``, ``body`` (size/time caps while streaming), ``pinned`` (connections only to the
addresses the guard checked), ``mirror_map`` (offline mirror mode).
"""

from aggregator.fetch.client import BOT_NAME, Fetcher, Validators, user_agent

__all__ = ["BOT_NAME", "Fetcher", "Validators", "user_agent"]
