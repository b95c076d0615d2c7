"""Pure rendering of what leaves the service: feeds (RSS, Atom, JSON Feed), the feed catalogue
and its OPML list, the grant-call calendar, and the digest email and its MIME message.

Views in, bytes or an :class:`~email.message.EmailMessage` out: nothing here reads the database,
the network or a mail server (``tests/test_layers.py`` holds them to that), so every output is
golden-tested. The services beside this package choose what to render and send it.
"""
