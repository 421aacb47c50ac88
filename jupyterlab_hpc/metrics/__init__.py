"""The background sampler and the metrics routes."""
