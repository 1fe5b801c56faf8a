"""Forms of the back-office pages."""
