"""ccs_methods: data, statistics and pipeline for the CCS evaluation book.

Importing the package has no side effects: no files are read, no plotting theme is set. The
one exception is a page run by ``ccs-eval run``: the runner sets ``CCS_DEPS_FILE`` and the
dependency log (:mod:`ccs_methods.data.deps`) starts noting the page's reads at import.
"""

import os as _os

if _os.environ.get("CCS_DEPS_FILE"):
    from ccs_methods.data import deps as _deps

    _deps.install()

__version__ = "0.1.0"
