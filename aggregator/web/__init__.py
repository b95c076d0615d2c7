"""The web layer: public pages, feeds, subscription pages and the admin UI (FastAPI + Jinja2)."""
