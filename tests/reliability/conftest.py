"""Fixtures for the fault matrix: the same fake Hub and database path as the crawl tests."""

from tests.crawl.conftest import db, hub

__all__ = ["db", "hub"]
