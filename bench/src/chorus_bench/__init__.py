"""Chorus measured side by side with the peers users would pick instead."""
