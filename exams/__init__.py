"""Exams: the question bank, exams and their blueprints, timed attempts, grading and item analysis (SPEC §2.6).

This package sits above the registries and below ``certificates``: it never imports ``certificates``; when an
attempt is graded it sends :data:`exams.signals.attempt_graded`, and certificates listen.
"""
