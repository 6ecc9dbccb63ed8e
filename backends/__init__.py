"""Target backends, one folder each (see README.md)."""
