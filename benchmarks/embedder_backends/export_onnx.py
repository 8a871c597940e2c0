"""Export EmbeddingGemma to ONNX via sentence-transformers' backend (optimum-onnx), then O-level and int8 variants.

Writes into models/eg-onnx (a copy of the ST folder; the original model folder is never written)."""
import os, sys, time, shutil
os.environ["HF_HUB_OFFLINE"] = "1"; os.environ["TRANSFORMERS_OFFLINE"] = "1"
import torch; torch.set_num_threads(2)
from sentence_transformers import SentenceTransformer, export_optimized_onnx_model, export_dynamic_quantized_onnx_model
out = "models/eg-onnx"
step = sys.argv[1]
if step == "export":
    t = time.perf_counter()
    m = SentenceTransformer("models/eg", backend="onnx", device="cpu", local_files_only=True)
    print("export_s", time.perf_counter() - t)
    m.save_pretrained(out); print("saved", os.listdir(out), os.listdir(out + "/onnx"))
else:
    m = SentenceTransformer(out, backend="onnx", device="cpu", local_files_only=True)
    t = time.perf_counter()
    if step.startswith("O"):
        export_optimized_onnx_model(m, step, out)
    else:
        export_dynamic_quantized_onnx_model(m, step, out)
    print(step, "export_s", time.perf_counter() - t, os.listdir(out + "/onnx"))
