"""Attempts (作答): drawing a paper, saving answers, submitting, finalizing at the deadline, grading."""
