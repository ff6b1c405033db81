"""Micro-surveys: the repository, votes, close, recovery and the views features read."""
