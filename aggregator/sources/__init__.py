"""The ``sources`` stage: turn fetched pages into :class:`~aggregator.types.RawItem` records.

``registry`` reads ``config/sources.toml``; each parser module reads one kind of page
(``feed``, ``html_list`` with the selector-free ``listing`` reader, ``article``, ``json_api``)
or one quirky site
(``eusa``). Parsers are pure: bytes in, items out. They never fetch; they return the next
pages and article pages for the pipeline to fetch. ``golden`` checks them against the
recorded sites under ``tests/fixtures/``.
"""
