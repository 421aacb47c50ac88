"""Cores busy against the cores this server's job may use."""
