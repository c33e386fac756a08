"""Readers for outside formats: FIT files, athlete folders, logs. The science never touches a file."""
