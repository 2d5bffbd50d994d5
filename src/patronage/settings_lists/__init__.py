"""Tenant-defined lists: statuses, payment terms, license types, stores."""
