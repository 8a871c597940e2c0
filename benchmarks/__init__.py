"""Benchmarks and evaluation tools (not part of the product package): `assistant bench`, retrieval studies, reports."""
