"""Classification: files → formats → frameworks, by three methods (rules as data in rules.py)."""
