"""Fake platform servers (real HTTP on 127.0.0.1) for adapter tests."""
