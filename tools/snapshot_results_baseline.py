"""Snapshot the computed results and headline numbers before the page-layer rewrite."""
import json, math
from ccs_methods.params import load_params
from ccs_methods.results import collect_results
from ccs_methods import contribution_sections as cs

params = load_params("params")
col = collect_results(params, cache=False)
reg = cs.load_register(params, collected=col)
syn = cs.synthesis_table(reg)
def clean(v):
    if isinstance(v, float):
        return None if math.isnan(v) else round(v, 10)
    if isinstance(v, dict):
        return {k: clean(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [clean(x) for x in v]
    return v
out = {
    "results": clean(col.results),
    "problems": [str(p) for p in col.problems],
    "claims": clean(syn[[c for c in syn.columns if c in ("claim_id","posterior","posterior_min","posterior_max","posterior_illustration","verbal","status","n_items","n_used","n_pending","n_supporting","n_challenging","prior")]].to_dict("records")),
    "evidence": clean(reg.evidence[["evidence_id","claim_id","direction","sensitivity","type1_error"]].astype(object).where(reg.evidence[["evidence_id","claim_id","direction","sensitivity","type1_error"]].notna(), None).to_dict("records")),
}
json.dump(out, open("tests/data/results_baseline.json","w"), indent=1, sort_keys=True)
print(len(out["results"]), len(out["claims"]), len(out["evidence"]), syn.columns.tolist())
