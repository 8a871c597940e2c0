"""Quality of each variant vs the PyTorch fp32 reference: cosine per text and top-5 overlap per query."""
import json, sys, glob
import numpy as np
ref = np.load("results/torch_fp32_bs16.npz")
base = json.load(open("results/torch_fp32_bs16.json"))["chunks_per_s"]
rows = []
cpu_ref = json.load(open("results/torch_fp32_bs16_cpu.json"))
for f in sorted(glob.glob("results/*.json")):
    if f.endswith("summary.json"):
        continue
    r = json.load(open(f))
    row = {"name": r["name"], "chunks_per_s": round(r["chunks_per_s"], 3), "speedup": round(r["chunks_per_s"] / base, 2),
           "query_ms": round(r["query_ms"]), "chunks_per_cpu_s": round(r.get("chunks_per_cpu_s", 0), 3),
           "cpu_speedup": round(r.get("chunks_per_cpu_s", 0) / cpu_ref["chunks_per_cpu_s"], 2),
           "wall_speedup_vs_cpu_ref": round(r["chunks_per_s"] / cpu_ref["chunks_per_s"], 2), "load": [round(x, 1) for x in r.get("loadavg", [])], "load_s": round(r["load_s"], 1), "runs_s": [round(x, 1) for x in r["runs_s"]]}
    try:
        v = np.load(f[:-5] + ".npz")
    except FileNotFoundError:
        rows.append(row); continue
    n = len(v["docs"]); R = ref["docs"][:n]
    dc = (v["docs"] * R).sum(1); qc = (v["queries"] * ref["queries"]).sum(1)
    top = lambda Q, D: np.argsort(-(Q @ D.T), axis=1)[:, :5]
    a, b = top(ref["queries"], R), top(v["queries"], v["docs"])
    ov = np.mean([len(set(x) & set(y)) / 5 for x, y in zip(a, b)])
    row.update({"n_docs": n, "doc_cos_mean": round(float(dc.mean()), 4), "doc_cos_min": round(float(dc.min()), 4),
                "q_cos_mean": round(float(qc.mean()), 4), "q_cos_min": round(float(qc.min()), 4),
                "overlap@5": round(float(ov), 3), "dim": r.get("dim"), "norm": round(r.get("norm_mean", 0), 4)})
    rows.append(row)
for row in rows:
    print(json.dumps(row, ensure_ascii=False))
json.dump(rows, open("results/summary.json", "w"), indent=1)
