"""The two-year review 审核确认 (SPEC §2.8): the due list, HR's submission with the facts of the period and the
system's recommendation, and the legal office's decision — one by one or as a batch job."""
