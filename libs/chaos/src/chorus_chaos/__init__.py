"""The chaos suite: faults injected into the whole running system under load, and what they cost."""
