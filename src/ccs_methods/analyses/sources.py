"""Every passage of the published reports that the book quotes, by report.

The sources page lists, for each report file, the passages the book rests on: the published
figures (``data/published/*.csv``), the evidence register (``params/contribution/evidence.csv``)
and the contribution claims (``params/contribution/theory_of_change.yml``), each with the
section and, where transcribed, the words. Links to a report's list use
:func:`ccs_methods.report.links.source_label`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pandas as pd

from ccs_methods.data import published as pub
from ccs_methods.data.params import Params
from ccs_methods.data.yamlfile import read_yaml

__all__ = ["ReportPassages", "quoted_passages", "split_source"]

_COLUMNS = ["used by", "id", "section", "words quoted"]


@dataclass(frozen=True)
class ReportPassages:
    """The passages quoted from one report."""

    file: str
    passages: pd.DataFrame  #: columns ``used by``, ``id``, ``section``, ``words quoted``

    @property
    def n(self) -> int:
        """Number of passages."""
        return len(self.passages)


def split_source(text: str) -> tuple[str, str]:
    """Split ``"<file> § <section>"`` (the register's source column) into file and section."""
    file, _, section = str(text).partition("§")
    return file.strip(), section.strip()


def _published_rows() -> list[pd.DataFrame]:
    out = []
    figures = pub.load_figures()
    out.append(pd.DataFrame({
        "file": figures["source_file"], "used by": "published figure (" + figures["exhibit"] + ")",
        "id": figures["figure_id"], "section": figures["source_section"],
        "words quoted": figures["source_quote"].fillna(""),
    }))
    for name, id_col in (("kpis", "kpi"), ("assumptions", "assumption_id")):
        df = getattr(pub, f"load_{name}")()
        out.append(pd.DataFrame({
            "file": df["source_file"], "used by": name.rstrip("s").replace("kpi", "KPI")
            + " table", "id": df[id_col].astype(str), "section": df["source_section"],
            "words quoted": df["source_quote"].fillna(""),
        }))
    feats = pub.load_coordination_features()
    key = feats["site"] + " " + feats["feature"] + " " + feats["timepoint"]
    # the tick comes from one report's table, the words beside it may come from another
    out.append(pd.DataFrame({
        "file": feats["source_file"], "used by": "key features of coordination (tick)",
        "id": key, "section": feats["source_section"],
        "words quoted": feats.get("source_quote", pd.Series("", index=feats.index)).fillna(""),
    }))
    if "detail_source_file" in feats:
        d = feats[feats["detail_source_file"].notna()]
        out.append(pd.DataFrame({
            "file": d["detail_source_file"], "used by": "key features of coordination (words)",
            "id": key[d.index], "section": d["detail_source_section"],
            "words quoted": d["detail_quote"].fillna(""),
        }))
    return out


def _register_rows(params: Params) -> list[pd.DataFrame]:
    folder = params.root / "contribution"
    out = []
    ev = pd.read_csv(folder / "evidence.csv", dtype=str, keep_default_na=False)
    doc = ev[~ev["source"].str.startswith("computed:")]
    parts = doc["source"].map(split_source)
    out.append(pd.DataFrame({
        "file": [p[0] for p in parts], "used by": "evidence register",
        "id": doc["evidence_id"], "section": [p[1] for p in parts],
        "words quoted": doc["description"],
    }))
    toc = read_yaml(folder / "theory_of_change.yml")
    claims = toc.get("claims", []) if isinstance(toc, dict) else []
    out.append(pd.DataFrame({
        "file": [c["source"]["file"] for c in claims], "used by": "contribution claim",
        "id": [c["id"] for c in claims], "section": [c["source"]["section"] for c in claims],
        "words quoted": [re.sub(r"\s+", " ", str(c.get("text", ""))).strip() for c in claims],
    }))
    return out


def quoted_passages(params: Params) -> list[ReportPassages]:
    """The passages the book quotes, one :class:`ReportPassages` per report file, in file order.

    Parameters
    ----------
    params
        Loaded parameters (the register is read from ``params/contribution/``).

    """
    rows = pd.concat(_published_rows() + _register_rows(params), ignore_index=True)
    rows = rows[rows["file"].astype(str).str.strip() != ""]
    out = []
    for file, g in rows.groupby("file", sort=True):
        table = (
            g.sort_values(["section", "used by", "id"], kind="stable")[_COLUMNS]
            .reset_index(drop=True)
        )
        out.append(ReportPassages(str(file), table))
    return out
