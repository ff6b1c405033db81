"""Personas: the profile documents, their file format, import/export and ownership."""
