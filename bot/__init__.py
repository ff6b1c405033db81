"""Persona Bot core: platform-neutral commands, features and answering."""
