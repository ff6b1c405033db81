"""The Slack adapter: slack-bolt AsyncApp at POST /slack/events (or Socket Mode), Block Kit
rendering, modals, App Home, OAuth. Every slack import of the project lives in this package."""
