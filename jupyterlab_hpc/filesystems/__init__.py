"""Filesystems: admin-allowed roots, validated user entries, one contents route per mount."""
