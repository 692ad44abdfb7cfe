"""Certificate applications: HR applies for an officer, the legal office approves or rejects (SPEC §2.7)."""
