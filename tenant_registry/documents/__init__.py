"""The document rules: secrets, interpolation, environment access, masking, diffs, schema."""

# Longer keys and variable names are never memoised: an editor could otherwise fill a worker's
# memory with a few thousand saves of distinct megabyte-long ones (refused saves included).
MEMO_CHARS = 256
