"""Reference data for the exams package: the demo question bank and the statute texts it cites."""
