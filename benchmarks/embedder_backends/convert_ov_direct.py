"""OpenVINO IR straight from the PyTorch pipeline (ov.convert_model on the nn.Module, no ONNX), to see whether
setup could skip the onnx/onnxscript dependency. Checked against torch on a padded batch."""
import os, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"; os.environ["TRANSFORMERS_OFFLINE"] = "1"
import torch, numpy as np, openvino as ov
torch.set_num_threads(2)
from sentence_transformers import SentenceTransformer
MODEL = os.path.expanduser("~/.cache/beratungsassistent/models/embeddinggemma-300m")
st = SentenceTransformer(MODEL, device="cpu", local_files_only=True).eval()

class Pipeline(torch.nn.Module):
    def __init__(self, st):
        super().__init__(); self.st = st
    def forward(self, input_ids, attention_mask):
        e = self.st({"input_ids": input_ids, "attention_mask": attention_mask})["sentence_embedding"]
        return torch.nn.functional.normalize(e, dim=-1)

pipe = Pipeline(st).eval()
enc = st.tokenizer(["title: a | text: Hallo Welt, das ist ein Test.", "task: search result | query: Förderung?"], padding=True, return_tensors="pt")
t = time.perf_counter()
with torch.no_grad():
    # TorchScript tracing (ov.convert_model(pipe, example_input=...)) fails on Gemma3 ("unordered_map::at");
    # a torch.export ExportedProgram converts.
    b, s = torch.export.Dim("batch"), torch.export.Dim("seq", max=2048)
    ep = torch.export.export(pipe, (enc["input_ids"], enc["attention_mask"]),
                             dynamic_shapes={"input_ids": {0: b, 1: s}, "attention_mask": {0: b, 1: s}}, strict=False)
    m = ov.convert_model(ep)
ov.save_model(m, "models/ov-direct/model.xml", compress_to_fp16=False)
print("convert_s", time.perf_counter() - t)
c = ov.Core().compile_model(m, "CPU", {"INFERENCE_PRECISION_HINT": "f32"})
enc2 = st.tokenizer(["title: x | text: " + "Ein längerer Satz über Förderprogramme. " * 20, "kurz"], padding=True, return_tensors="pt")
o = next(iter(c({"input_ids": enc2["input_ids"].numpy(), "attention_mask": enc2["attention_mask"].numpy()}).values()))
with torch.no_grad():
    r = pipe(enc2["input_ids"], enc2["attention_mask"]).numpy()
print("cos vs torch (f32 hint)", (o * r).sum(1))
