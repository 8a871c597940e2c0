"""Consultant workflows on top of answering: project profiles, advisory briefings and their export."""
