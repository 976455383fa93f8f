"""A Django app the listener and metrics tests serve under gunicorn: receivers that record what each
worker heard, views that save, read and report it, and the registry's metrics view."""
