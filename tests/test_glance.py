"""Phrases of the "at a glance" boxes (ccs_methods.report.glance)."""

from __future__ import annotations

import pandas as pd

from ccs_methods.report import glance


def test_funding_phrase() -> None:
    assert glance.funding_phrase(41150, "E18", "year 1") == (
        "£41,150 of workstream funding in year 1 (E18)")
    assert "no funding" in glance.funding_phrase(None, None)


def test_awards_phrase_says_n_and_synthetic() -> None:
    text = glance.awards_phrase(1.48, 1.19, 1.85, (2018, 2019, 2020, 2021), synthetic=True)
    assert "1.48 (95% CI 1.19 to 1.85)" in text and "n = 4 years" in text
    assert "synthetic" in text
    assert "too few" in glance.awards_phrase(None, None, None)


def test_referrals_phrase_without_a_system_or_a_series() -> None:
    assert "no referral system" in glance.referrals_phrase(None, has_system=False)
    assert "not cover enough months" in glance.referrals_phrase(None)
    level = {"rate_ratio": 0.98, "ci_low": 0.85, "ci_high": 1.14}
    assert glance.referrals_phrase(level, 60, network="NCAN").startswith("NCAN level change")


def test_network_phrase_cases() -> None:
    change = {"change_pct": 33.4, "ci_low_pct": 29.1, "ci_high_pct": 38.2, "n": 5000}
    text = glance.network_phrase(change)
    assert "+33.4%" in text and "n = 5,000 referrals" in text
    assert "no referral network" in glance.network_phrase(None, available=False)
    assert "no comparison" in glance.network_phrase(None)
    assert "not estimable" in glance.network_phrase({"error": "too few"})


def test_features_and_claims_phrases() -> None:
    assert glance.features_phrase(3, 4, "end of year 2") == (
        "3 of 4 features of coordination ticked at end of year 2")
    table = pd.DataFrame({
        "sites": ["norfolk, oldham", "programme", "oldham"],
        "year": [2, 2, 1], "verbal": ["likely", "very likely", "unlikely"],
        "posterior": [0.7, 0.95, 0.2],
    })
    assert glance.claims_phrase(table, "norfolk", 2) == "of 2 claims, 1 very likely, 1 likely"
    assert glance.claims_phrase(table, "oldham") == (
        "of 3 claims, 1 very likely, 1 likely, 1 unlikely")
    assert "no contribution claim" in glance.claims_phrase(table, "norfolk", 1)
    assert glance.claims_phrase(table, "oldham").endswith("1 unlikely")


def test_claims_phrase_counts_programme_claims_only_in_reported_years() -> None:
    table = pd.DataFrame({
        "sites": ["programme", "programme", "leeds"],
        "year": [1, 2, 2], "verbal": ["likely", "very likely", "unlikely"],
        "posterior": [0.7, 0.95, 0.2],
    })
    reported = {"norfolk": (1, 2), "leeds": ()}
    assert glance.claims_phrase(table, "leeds", 2, reported_years=reported) == (
        "of 1 claims, 1 unlikely")
    assert glance.claims_phrase(table, "leeds", 1, reported_years=reported) == (
        "no contribution claim concerns this site in this year")
    assert glance.claims_phrase(table.iloc[:2], "leeds", reported_years=reported) == (
        "no contribution claim concerns this site")
    assert glance.claims_phrase(table, "norfolk", reported_years=reported) == (
        "of 2 claims, 1 very likely, 1 likely")
    # without reported years a programme claim concerns every site (the previous behaviour)
    assert glance.claims_phrase(table, "leeds", 1) == "of 1 claims, 1 likely"
