"""Funding programmes: profiles extracted at ingest, validity against today, date-aware answers."""
