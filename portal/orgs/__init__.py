"""Agencies (the organisation tree), enforcement bodies and, later, entrustment agreements."""
