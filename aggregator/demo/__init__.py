"""The demo and what only it needs: the service offline, on loopback, against recorded sites.

- :mod:`.runner`: ``aggregator demo`` (mirror, SMTP sink, web app, scheduler, one reader);
- :mod:`.mirror`: the HTTP server that replays the recorded sites (the tests use it too);
- :mod:`.smtp_sink`: an SMTP server that keeps what it receives;
- ``sites/``: the recorded copies of the sites, package data (in a checkout, a link to
  ``tests/fixtures/sites``, which the tests read as well).
"""
