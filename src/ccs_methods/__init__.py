"""ccs_methods: data, statistics and pipeline for the CCS evaluation book.

Importing the package has no side effects: no files are read, no plotting theme is set.
"""

__version__ = "0.1.0"
