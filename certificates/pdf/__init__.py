"""Certificate and card PDFs (reportlab), with the Chinese text in an embedded TrueType CJK font (SPEC §2.7)."""
