"""Normalising: turn what parsers found into clean, comparable data.

``dates`` reads the date forms the sources write, ``text`` turns markup into plain text and
sanitises the markup we keep, ``urls`` canonicalises addresses and ``dedupe`` decides whether a
story is new. Everything here is pure: data in, data out.
"""
