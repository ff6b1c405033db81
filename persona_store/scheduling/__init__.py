"""Scheduling: digest subscriptions, delivery keys and persona reviews."""
