"""Sign-in, lockout, one-time passwords, roles and scope (one access helper every view uses)."""
