"""执法人员资格管理与培训平台 — the portal shell: people, organisations, shared services."""
