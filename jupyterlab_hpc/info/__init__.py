"""What this server offers: version, features, job, banner."""
