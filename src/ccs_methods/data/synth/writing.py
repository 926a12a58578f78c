"""Generating and writing all synthetic datasets: generators by name, seed, CSV writer, manifest."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from ccs_methods.data.params import load_params
from ccs_methods.data.records import DATASETS
from ccs_methods.data.synth.activity import generate_activity_log
from ccs_methods.data.synth.awards import generate_lwa_awards, generate_other_crisis_awards
from ccs_methods.data.synth.monitoring import generate_monitoring_returns
from ccs_methods.data.synth.ncan import generate_referrals_ncan
from ccs_methods.data.synth.new_sites import SYNTHETIC_PARAMS, add_new_sites
from ccs_methods.data.synth.survey import generate_survey_local_systems
from ccs_methods.data.synth.thcan import generate_referrals_thcan

#: Version of the generators; bump when any output changes for a given seed.
GENERATOR_VERSION = "1.0.0"
#: Statement recorded in MANIFEST.json and the README of ``data/synthetic/``.
SYNTHETIC_STATEMENT = "SYNTHETIC: not real data"
#: Seed of the shipped files (the date of the year 2 report, 10 December 2021).
DEFAULT_SEED = 20211210


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

#: Dataset name -> generator, in the order the seed's child generators are handed out.
GENERATORS: dict[str, Callable[[np.random.Generator], pd.DataFrame]] = {
    "referrals_ncan": generate_referrals_ncan,
    "referrals_thcan": generate_referrals_thcan,
    "lwa_awards": generate_lwa_awards,
    "other_crisis_awards": generate_other_crisis_awards,
    "survey_local_systems": generate_survey_local_systems,
    "monitoring_returns": generate_monitoring_returns,
    "activity_log": generate_activity_log,
}


def write_csv(df: pd.DataFrame, path: Path, dataset: str) -> None:
    r"""Write ``df`` as plain CSV in the dataset's format (deterministic bytes).

    Dates as ``YYYY-MM-DD``, booleans as ``true``/``false``, amounts with two decimals,
    ``\n`` line endings, UTF-8, no index, no comment lines.

    Parameters
    ----------
    df
        Frame with the dataset's columns.
    path
        Output file.
    dataset
        Dataset name (a key of ``records.DATASETS``).

    """
    spec = DATASETS[dataset]
    out = pd.DataFrame(index=df.index)
    for col in spec.columns:
        s = df[col.name]
        if col.kind == "date":
            out[col.name] = pd.to_datetime(s).dt.strftime("%Y-%m-%d")
        elif col.kind == "bool":
            out[col.name] = np.where(s.astype(bool), "true", "false")
        elif col.kind == "float":
            out[col.name] = [f"{v:.2f}" for v in s.astype(float)]
        elif col.kind == "int":
            out[col.name] = s.astype("int64").astype(str)
        else:
            out[col.name] = s.astype(str)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        out.to_csv(fh, index=False, lineterminator="\n")


def generate(seed: int) -> dict[str, pd.DataFrame]:
    """Generate every dataset in memory (no files).

    Parameters
    ----------
    seed
        Seed of ``numpy.random.default_rng``; each dataset gets its own child generator.

    Returns
    -------
    dict[str, pandas.DataFrame]
        Dataset name -> frame (SYNTHETIC).

    """
    children = np.random.default_rng(seed).spawn(len(GENERATORS))
    return {name: gen(rng) for (name, gen), rng in zip(GENERATORS.items(), children, strict=True)}


def generate_all(seed: int, out_dir: Path, *, params_dir: Path | None = None) -> dict[str, Path]:
    """Generate every synthetic dataset and write it, with ``MANIFEST.json``, to ``out_dir``.

    Sites of params that the reports never covered (no calibrated stand-in) get LWA/DAF award
    rows drawn from ``params/synthetic.yml`` (:mod:`.new_sites`); the pilot sites' rows are
    the same for the same seed whatever other sites params list.

    Parameters
    ----------
    seed
        Seed of ``numpy.random.default_rng`` (the shipped files use 20211210).
    out_dir
        Output folder (created if needed); files are named as in ``records.DATASETS``.
    params_dir
        The ``params/`` folder whose sites are covered (default: the project's).

    Returns
    -------
    dict[str, Path]
        Dataset name -> written CSV file. ``MANIFEST.json`` (seed, generator version, numpy
        version, rows and sha256 per file, and the statement "SYNTHETIC: not real data") is
        written beside them.

    """
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    files: dict[str, dict[str, object]] = {}
    frames = generate(seed)
    params = load_params(params_dir)
    frames["lwa_awards"], added = add_new_sites(frames["lwa_awards"], params, seed)
    for name, df in frames.items():
        path = out_dir / DATASETS[name].file_name
        write_csv(df, path, name)
        written[name] = path
        files[path.name] = {
            "dataset": name,
            "rows": len(df),
            "sha256": hashlib.sha256(path.read_bytes()).hexdigest(),
        }
    manifest = {
        "statement": SYNTHETIC_STATEMENT,
        "generator": "ccs_methods.data.synth.generate_all",
        "generator_version": GENERATOR_VERSION,
        "seed": int(seed),
        "numpy_version": np.__version__,
        "calibration": "ccs_methods.data.synth.TARGETS (checked by tests/test_synth.py)",
        "files": files,
    }
    if added:  # sites the reports never covered: say how their rows were made
        manifest["uncalibrated_sites"] = {
            s: f"lwa_awards rows drawn from params/{SYNTHETIC_PARAMS} (no published figure)"
            for s in added
        }
    (out_dir / "MANIFEST.json").write_text(
        json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8", newline="\n"
    )
    return written
