"""The Chorus gateway: the only thing clients talk to."""
