"""Test infrastructure that ships with hfscan (the fake Hub), so users can run the demo offline."""
