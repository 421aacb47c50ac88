"""Applications for the launcher: the catalogue, the launch dialog's text, their routes."""
