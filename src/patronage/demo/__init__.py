"""The demo workspace: realistic synthetic sellers' customers, bulk-loaded."""
