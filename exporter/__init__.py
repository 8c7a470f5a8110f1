"""exporter: turn Chinese source texts into DOCX and PDF briefings, offline."""

__version__ = "0.1.0"
