"""Complaints and praise from the public about officers (SPEC §2.10, seed 三(一)4, 三(三)1)."""
