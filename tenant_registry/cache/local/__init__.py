"""The in-process tier (tier.py) and the invalidation channel that keeps it fresh (channel.py)."""
