"""The public registry 公示 (no sign-in): qualified hearing presiders, and — as the entrustment and roster work
lands — enforcement bodies, entrustment agreements and the officer roster (SPEC §3 public HTTP)."""
