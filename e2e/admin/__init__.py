"""Browser tests of the admin web app served at /app."""
