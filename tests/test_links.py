"""Links from a number to its source quote, method and data (ccs_methods.report.links)."""

from __future__ import annotations

import pytest

from ccs_methods.report import links


def test_repo_file_is_a_download_role_from_the_project_root() -> None:
    assert links.repo_file("data/published/figures.csv") == (
        "{download}`data/published/figures.csv </../data/published/figures.csv>`"
    )
    assert links.repo_file("params/analysis.yml", "the settings") == (
        "{download}`the settings </../params/analysis.yml>`"
    )


@pytest.mark.parametrize("bad", ["/etc/passwd", "../secret.csv", "data/../../x"])
def test_repo_file_refuses_paths_outside_the_project(bad: str) -> None:
    with pytest.raises(ValueError, match="inside the project"):
        links.repo_file(bad)


def test_exhibit_labels_and_links() -> None:
    assert links.exhibit_label("E16") == "exhibit-e16"
    assert links.exhibit("E4") == "{ref}`E4 <exhibit-e4>`"
    with pytest.raises(ValueError, match="exhibit id"):
        links.exhibit_label("16")


def test_source_label_uses_the_report_number() -> None:
    assert links.source_label("003_be4685d4f24850f1.txt") == "source-003"
    assert links.source("001_06afea370260a111.txt", "Year 2 summary") == (
        "{ref}`Year 2 summary <source-001>`"
    )
    assert links.source_label("liverpool_report.txt") == "source-liverpool-report-txt"


def test_method_page_and_target() -> None:
    assert links.method("trends-its", "ITS") == "{ref}`ITS <method-trends-its>`"
    assert links.page("programme/trends", "the trends page") == (
        "{doc}`the trends page </programme/trends>`"
    )
    assert links.target("claim-y2-kf01") == "(claim-y2-kf01)="
    with pytest.raises(ValueError, match="not a label"):
        links.target("Claim y2")


def test_link_text_cannot_break_the_role() -> None:
    # a backtick or angle brackets in the text would end the role early
    assert links.method("x", "a `b` <c>") == "{ref}`a 'b' ‹c› <method-x>`"
