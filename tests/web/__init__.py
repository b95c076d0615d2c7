"""Tests of the web UI through its HTTP interface (FastAPI TestClient, real database)."""
