"""The question bank (题库): questions, their versions, search, preview and import."""
