"""pipeline layer of ccs_methods.

Importing it keeps ``jsonschema`` from loading its optional ``rfc3987_syntax`` backend, which
compiles about 35 Earley parsers when imported: 1.2 s of one core in the runner and in every
worker, each of which imports ``nbformat`` (and so ``jsonschema._format``). That backend checks
only the ``iri`` and ``iri-reference`` string formats, which no notebook schema uses; without it
``jsonschema`` simply does not register those two checks (its documented behaviour when the
optional package is missing). See python-jsonschema/jsonschema#1428. Nothing is changed if
``jsonschema`` was imported already, or if a caller set ``CCS_KEEP_IRI_CHECKS=1``.
"""

from __future__ import annotations

import os
import sys

#: Set to ``1`` to let jsonschema load ``rfc3987_syntax`` as usual.
KEEP_IRI_CHECKS_ENV = "CCS_KEEP_IRI_CHECKS"

if os.environ.get(KEEP_IRI_CHECKS_ENV) != "1" and "jsonschema._format" not in sys.modules:
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[assignment]
