"""The shared tier's stores: one protocol and one key scheme (base), Redis, any other Django cache."""
