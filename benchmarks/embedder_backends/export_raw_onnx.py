"""Export the whole sentence-transformers pipeline (Gemma3 encoder + mean pooling + 2 Dense + normalise) to one
ONNX graph with torch.onnx, for onnxruntime without optimum (optimum-onnx 0.1.0 needs transformers<4.58)."""
import os, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"; os.environ["TRANSFORMERS_OFFLINE"] = "1"
import torch; torch.set_num_threads(2)
from sentence_transformers import SentenceTransformer

MODEL = os.path.expanduser("~/.cache/beratungsassistent/models/embeddinggemma-300m")
out = sys.argv[1] if len(sys.argv) > 1 else "models/raw-onnx/model.onnx"
dynamo = os.environ.get("DYNAMO", "1") == "1"
os.makedirs(os.path.dirname(out), exist_ok=True)
st = SentenceTransformer(MODEL, device="cpu", local_files_only=True, model_kwargs={"attn_implementation": os.environ.get("ATTN", "sdpa")})
st.eval()

class Pipeline(torch.nn.Module):
    def __init__(self, st):
        super().__init__(); self.st = st
    def forward(self, input_ids, attention_mask):
        e = self.st({"input_ids": input_ids, "attention_mask": attention_mask})["sentence_embedding"]
        return torch.nn.functional.normalize(e, dim=-1)

pipe = Pipeline(st).eval()
enc = st.tokenizer(["title: a | text: Hallo Welt, das ist ein Test.", "task: search result | query: Förderung?"],
                   padding=True, return_tensors="pt")
t = time.perf_counter()
with torch.no_grad():
    ref = pipe(enc["input_ids"], enc["attention_mask"])
    if dynamo:
        b, s = torch.export.Dim("batch"), torch.export.Dim("seq", max=2048)
        prog = torch.onnx.export(pipe, (enc["input_ids"], enc["attention_mask"]), out, dynamo=True,
                                 input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
                                 dynamic_shapes={"input_ids": {0: b, 1: s}, "attention_mask": {0: b, 1: s}},
                                 external_data=True)
    else:
        torch.onnx.export(pipe, (enc["input_ids"], enc["attention_mask"]), out, dynamo=False, opset_version=17,
                          input_names=["input_ids", "attention_mask"], output_names=["sentence_embedding"],
                          dynamic_axes={"input_ids": {0: "batch", 1: "seq"}, "attention_mask": {0: "batch", 1: "seq"}})
print("export_s", time.perf_counter() - t)
import onnxruntime as ort, numpy as np
sess = ort.InferenceSession(out, providers=["CPUExecutionProvider"])
enc2 = st.tokenizer(["title: x | text: " + "Ein längerer Satz über Förderprogramme. " * 20, "kurz"], padding=True, return_tensors="np")
o = sess.run(None, {"input_ids": enc2["input_ids"].astype(np.int64), "attention_mask": enc2["attention_mask"].astype(np.int64)})[0]
with torch.no_grad():
    r = pipe(torch.from_numpy(enc2["input_ids"]).long(), torch.from_numpy(enc2["attention_mask"]).long()).numpy()
print("shape", o.shape, "cos", (o * r).sum(1))
