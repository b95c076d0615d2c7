"""HTTP routes, one module per area; :mod:`aggregator.web.app` includes each router."""
