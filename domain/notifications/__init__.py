"""In-app notifications: what a person should look at now (a new annotation, a red-flagged order…)."""
