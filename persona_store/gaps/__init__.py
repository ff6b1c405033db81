"""Gaps: questions a persona could not answer from its profile, grouped, and how each one
was closed (a survey's evidence, a new profile line, or dismissed)."""
