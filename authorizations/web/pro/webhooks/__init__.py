"""/pro/webhooks/: the practitioner registers endpoints for their software (issue 14)."""
