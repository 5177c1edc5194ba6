"""The shared event backbone and service plumbing of Chorus."""
