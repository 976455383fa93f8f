"""The opt-in encrypted store of tenants' own secrets (``SECRET_STORE = "database"``): docs/secrets.md."""
