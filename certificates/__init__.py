"""Certificates 证件: numbering, signing keys and QR tokens, issuance, PDF, lifecycle, verification.

The top layer above ``exams``: it may import the portal's core and registries and ``exams``, never the reverse
(``exams`` sends signals; this package listens).
"""
