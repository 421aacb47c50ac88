"""CPU and GPU power (configuration only, for now)."""
