"""The document rules: secrets, interpolation, environment access, masking, diffs, schema."""
