"""The Chorus forums service: live rooms, saved records and room discovery."""
