"""Beratungsassistent: an offline advisory assistant that answers from a local knowledge base with verified citations.

The sub-packages follow the pipeline (see docs/ARCHITECTURE.md): ``loaders`` (files → documents),
``indexing`` (documents → chunks → vectors + BM25 + manifest), ``answering`` (question → retrieval →
answer with verified citations), ``web`` (the Gradio chat); ``app.build_app`` wires them, ``cli`` is the
command line. Importing the package itself loads nothing heavy.
"""
