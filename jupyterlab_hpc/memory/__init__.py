"""Memory used by this server's job against the job's own limit."""
