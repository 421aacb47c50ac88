"""The top-bar banner: the admin's message (with its time window) and sandbox mode."""
