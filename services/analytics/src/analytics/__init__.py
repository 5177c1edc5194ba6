"""An example analytics consumer: it taps ratings.events and forums.events in its own groups."""
