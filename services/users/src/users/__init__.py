"""The Chorus users service: accounts, sign-in tokens and the friend graph."""
