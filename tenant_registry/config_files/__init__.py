"""Tenant YAML files: the safe loader, where the files are, import and export."""
