"""Local, Docker-free installs of Kafka (KRaft), a MongoDB-wire server and Redis."""
