"""Cell lists of the notebook templates, one module per part (see tools/make_templates.py)."""
