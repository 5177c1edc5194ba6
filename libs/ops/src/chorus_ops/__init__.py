"""The `chorus` command-line tool for operators and analysts of the Chorus bus."""
