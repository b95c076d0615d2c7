"""Publishing: what leaves the service for readers (feeds, calendars and email digests).

Rendering is pure (``digest.py``); sending is I/O (``mailer.py``) driven by the delivery log
(``delivery.py``), so one digest can be previewed, golden-tested and benchmarked without SMTP.
"""
