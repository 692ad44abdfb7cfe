"""The register of certificates 证件登记: lists, each certificate's page with its full history and the legal
office's actions, and the officer's own certificates with their written answers (陈述申辩)."""
