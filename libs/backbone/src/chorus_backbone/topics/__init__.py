"""Topics as code: the declarative topic file and the idempotent apply."""

from chorus_backbone.topics.apply import TopicReport, apply_topics
from chorus_backbone.topics.spec import TopicSpec, default_topics_file, load_topics

__all__ = ["TopicReport", "TopicSpec", "apply_topics", "default_topics_file", "load_topics"]
