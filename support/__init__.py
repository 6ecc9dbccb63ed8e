"""Shared infrastructure: errors, xDSL workarounds, numpy <-> attribute helpers, the universe."""
