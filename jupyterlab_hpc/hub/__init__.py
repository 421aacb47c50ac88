"""JupyterHub's control panel and log-out links, when the server was spawned by a hub."""
