"""The `patronage` command line."""
