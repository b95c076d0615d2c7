"""News and grant-call aggregator for people who work on immigrant integration in Finland."""

__version__ = "0.1.0"
