"""Storage: DuckDB snapshots. Versions and file lists are stored once; scans hold membership."""
