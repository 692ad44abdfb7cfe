"""Attempts (作答): drawing a paper, saving answers, submitting, finalizing at the deadline, grading.

Importing the package registers :mod:`exams.attempts.usage`: what the bank and papers, below it, ask about attempts
(:mod:`exams.usage`).
"""
from exams.attempts import usage as _usage  # noqa: F401 - registers the answers
