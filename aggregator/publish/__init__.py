"""Publishing: what leaves the service for readers (feeds, calendars and email digests).

By role:

- ``render/``: pure rendering, views in and bytes or a message out: ``feeds.py`` (RSS, Atom,
  JSON Feed), ``opml.py`` (the feed catalogue and its OPML list), ``calendar.py`` (grant-call
  deadlines as iCalendar), ``digest.py`` + ``message.py`` (the digest email and its MIME form);
- pure rules the services share: ``choose.py`` (which stories a digest holds, in which
  sections), ``forms.py`` (what a subscriber may submit), ``tokens.py`` (signed links);
- services, which read the store and send: ``feedbuild.py`` (a feed built from the store, for
  the web app's cache and ``aggregator feed export``), ``compose.py`` (load and choose one
  digest), ``delivery.py`` (send each period's digests once), ``subscriptions.py`` (double
  opt-in and the subscriber's links), ``mailer.py`` (SMTP).

So one digest can be previewed, golden-tested and benchmarked without a database or SMTP.
"""
