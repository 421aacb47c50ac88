"""JupyterHub: the sign that a hub is present, and ending the session through it."""
