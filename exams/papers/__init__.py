"""Exams (考试): blueprints, windows, audiences, enrolment and eligibility."""
