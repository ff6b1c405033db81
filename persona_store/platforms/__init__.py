"""State an adapter keeps about its own platform: Slack installations and events,
Teams references and activities, playground posts. Only that platform's adapter touches it."""
