"""Orchestration of multi-step jobs on top of the library (crawl, store, analysis, report).

Each job is a library function: typed results, no printing; the CLI verb around it formats.
"""
