"""Administration: users and their scopes, policy settings, the audit log."""
