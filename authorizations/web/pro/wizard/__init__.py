"""The request wizard: a registry of steps walked by one view (style.md)."""
