"""Best-fit lookups and their misallocation, against the LSOA membership columns."""

from __future__ import annotations

import pytest

from placegeo.lookup import bestfit


def test_majority_lookup_of_lsoas_to_districts_is_their_lad_column():
    from placegeo.layers import load_layer

    result = bestfit("lsoa11", "lad21")
    lsoas = load_layer("lsoa11").frame.set_index("LSOA11CD")
    lookup = result.lookup.set_index("small_code")
    assert (lookup["large_code"] == lsoas["LAD21CD"].reindex(lookup.index)).all()
    assert (result.summary["misallocated_share"] == 0).all()


def test_ccgs_to_districts_misallocation_matches_lsoa_sums():
    from placegeo.layers import load_layer

    lsoas = load_layer("lsoa11").frame
    result = bestfit("ccg21", "lad21", method="majority")
    lookup = result.lookup.set_index("small_code")["large_code"]
    # Chorley and South Ribble CCG goes to Chorley, bringing in the South Ribble part of the CCG
    assert lookup["E38000034"] == "E07000118"
    chorley = result.summary.set_index("large_code").loc["E07000118"]
    brought = lsoas[(lsoas.CCG21CD == "E38000034") & (lsoas.LAD21CD != "E07000118")].POP2020.sum()
    assert chorley["gained"] == pytest.approx(brought, rel=1e-12)
    assert chorley["lost"] == 0


def test_centroid_method_mostly_agrees_with_membership():
    from placegeo.layers import load_layer

    result = bestfit("lsoa11", "lad21", method="centroid")
    lsoas = load_layer("lsoa11").frame.set_index("LSOA11CD")
    lookup = result.lookup.set_index("small_code")["large_code"]
    agree = (lookup == lsoas["LAD21CD"].reindex(lookup.index)).mean()
    assert agree > 0.99


def test_bestfit_cli_writes_the_lookup(run_cli, tmp_path):
    out = tmp_path / "lookup.csv"
    result = run_cli("bestfit", "ccg21", "ctyua21", "--method", "centroid", "--out", out)
    assert result.exit_code == 0, result.stderr
    assert out.read_text().splitlines()[0] == "small_code,small_name,large_code,large_name,share,weight"
    assert "misallocat" in result.stdout
    assert run_cli("bestfit", "ccg21", "ctyua21", "--method", "nearest").exit_code == 2
