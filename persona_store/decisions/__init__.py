"""The decision log: answers the personas gave (what a decision can cite), how often each
persona was consulted, and the decisions a team logged, with their revisions."""
