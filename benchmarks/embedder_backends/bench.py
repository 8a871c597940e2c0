"""Time and embed the sample texts with one embedder variant; writes results/<name>.json and .npz.

Run under `nice -n 10`. Timing: median of 3 encode runs over a fixed 32-chunk subset (random order),
after a warm-up; quality pass: all 200 chunks + 40 queries once (vectors saved for compare.py).
"""
import argparse, json, os, random, statistics, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"; os.environ["TRANSFORMERS_OFFLINE"] = "1"
import numpy as np
import torch
torch.set_num_threads(2)
from sentence_transformers import SentenceTransformer
import sentence_transformers, transformers

MODEL = os.path.expanduser("~/.cache/beratungsassistent/models/embeddinggemma-300m")
p = argparse.ArgumentParser()
p.add_argument("--name", required=True)
p.add_argument("--path", default=MODEL)
p.add_argument("--backend", default="torch")
p.add_argument("--file-name", default=None, help="model_kwargs file_name for onnx/openvino")
p.add_argument("--batch", type=int, default=16)
p.add_argument("--maxlen", type=int, default=512)
p.add_argument("--mode", default="onecall", choices=["onecall", "perbatch-random", "perbatch-sorted"])
p.add_argument("--n-time", type=int, default=32)
p.add_argument("--runs", type=int, default=3)
p.add_argument("--no-quality", action="store_true")
p.add_argument("--n-quality", type=int, default=200)
p.add_argument("--export", action="store_true", help="allow on-the-fly export (backend onnx/openvino)")
a = p.parse_args()

data = json.load(open("data/texts.json"))
t0 = time.perf_counter()
kw = {}
if a.file_name:
    kw["model_kwargs"] = {"file_name": a.file_name}
if a.backend != "torch":
    kw["backend"] = a.backend
if a.backend == "openvino" and os.environ.get("OV_PRECISION"):
    # OpenVINO defaults to bf16 on AMX CPUs; OV_PRECISION=f32 forces fp32 inference.
    kw.setdefault("model_kwargs", {})["ov_config"] = {"INFERENCE_PRECISION_HINT": os.environ["OV_PRECISION"]}
if a.backend in ("ort-raw", "ov-raw"):
    from ort_embedder import GraphEmbedder
    model = GraphEmbedder(a.path, "ort" if a.backend == "ort-raw" else "ov")
else:
    model = SentenceTransformer(a.path, device="cpu", local_files_only=True, **kw)
load_s = time.perf_counter() - t0
model.max_seq_length = a.maxlen
prompt = model.prompts.get("document", "")
docs = [prompt.replace("title: none", f"title: {c['title'] or 'none'}") + c["text"] for c in data["chunks"]]

def encode_docs(texts):
    if a.mode == "onecall":
        return model.encode_document(texts, prompt="", batch_size=a.batch, normalize_embeddings=True, convert_to_numpy=True)
    order = list(range(len(texts)))
    if a.mode == "perbatch-sorted":
        order.sort(key=lambda i: len(texts[i]))
    out = np.zeros((len(texts), model.get_sentence_embedding_dimension()), dtype=np.float32)
    for s in range(0, len(order), a.batch):
        idx = order[s:s + a.batch]
        out[idx] = model.encode_document([texts[i] for i in idx], prompt="", batch_size=a.batch,
                                         normalize_embeddings=True, convert_to_numpy=True)
    return out

encode_docs(docs[:2])  # warm-up (ORT/OpenVINO compile, allocator)
subset = docs[:a.n_time]  # docs are a random sample already, so this is random order
times, cpus, loads = [], [], []
for _ in range(a.runs):
    # CPU time of this process too: the 2 cores are shared, so wall time depends on the neighbours' load.
    loads.append(os.getloadavg()[0])
    c = time.process_time(); t = time.perf_counter(); encode_docs(subset)
    times.append(time.perf_counter() - t); cpus.append(time.process_time() - c)
med = statistics.median(times)
q = "Welche Förderung gibt es für KI-Projekte in Kommunen?"
qt = []
for _ in range(6):
    t = time.perf_counter(); model.encode_query([q], normalize_embeddings=True); qt.append(time.perf_counter() - t)
tok = model.tokenizer
lens = [len(tok(d)["input_ids"]) for d in docs]
res = {"name": a.name, "backend": a.backend, "file_name": a.file_name, "batch": a.batch, "maxlen": a.maxlen,
       "mode": a.mode, "n_time": a.n_time, "runs_s": times, "cpu_s": cpus, "loadavg": loads, "chunks_per_s": a.n_time / med,
       "chunks_per_cpu_s": a.n_time / statistics.median(cpus),
       "query_ms": 1000 * statistics.median(qt[1:]), "load_s": load_s,
       "versions": {"sentence-transformers": sentence_transformers.__version__, "transformers": transformers.__version__,
                    "torch": torch.__version__},
       "tokens": {"mean": float(np.mean(lens)), "max": int(max(lens)), "over256": int(sum(l > 256 for l in lens)),
                  "over512": int(sum(l > 512 for l in lens))}}
for mod in ("onnxruntime", "openvino", "optimum", "optimum.intel"):
    try:
        m = __import__(mod, fromlist=["x"]); res["versions"][mod] = getattr(m, "__version__", "?")
    except Exception:
        pass
if not a.no_quality:
    t = time.perf_counter()
    dv = encode_docs(docs[:a.n_quality]); res["quality_pass_s"] = time.perf_counter() - t
    qv = model.encode_query(data["queries"], batch_size=a.batch, normalize_embeddings=True, convert_to_numpy=True)
    res["dim"] = int(dv.shape[1]); res["norm_mean"] = float(np.linalg.norm(dv, axis=1).mean())
    np.savez(f"results/{a.name}.npz", docs=dv, queries=qv)
json.dump(res, open(f"results/{a.name}.json", "w"), indent=1)
print(json.dumps({k: v for k, v in res.items() if k != "versions"}), res["versions"])
