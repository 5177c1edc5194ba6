"""The Chorus reviews service: the music catalog, ratings, reviews and likes."""
