"""Minimal stand-in for SentenceTransformer.encode_document/encode_query over a whole-pipeline ONNX graph
(onnxruntime) or OpenVINO IR, so bench.py measures the runtimes, not optimum."""
import json, os
import numpy as np
from transformers import AutoTokenizer

MODEL = os.path.expanduser("~/.cache/beratungsassistent/models/embeddinggemma-300m")


class GraphEmbedder:
    def __init__(self, graph: str, runtime: str = "ort", threads: int = 2):
        self.tokenizer = AutoTokenizer.from_pretrained(MODEL)
        self.prompts = json.load(open(f"{MODEL}/config_sentence_transformers.json"))["prompts"]
        self.max_seq_length = 512
        self.runtime = runtime
        if runtime == "ort":
            import onnxruntime as ort
            so = ort.SessionOptions(); so.intra_op_num_threads = threads; so.inter_op_num_threads = 1
            self.sess = ort.InferenceSession(graph, so, providers=["CPUExecutionProvider"])
            self.run = lambda ids, mask: self.sess.run(None, {"input_ids": ids, "attention_mask": mask})[0]
        else:
            import openvino as ov
            core = ov.Core()
            compiled = core.compile_model(graph, "CPU", {"INFERENCE_NUM_THREADS": threads, "PERFORMANCE_HINT": "LATENCY",
                                     # OpenVINO defaults to bf16 on CPUs with AMX; OV_PRECISION=f32 forces fp32.
                                     **({"INFERENCE_PRECISION_HINT": os.environ["OV_PRECISION"]} if os.environ.get("OV_PRECISION") else {})})
            self.req = compiled.create_infer_request()
            self.run = lambda ids, mask: next(iter(self.req.infer({"input_ids": ids, "attention_mask": mask}).values()))

    def get_sentence_embedding_dimension(self):
        return 768

    def _encode(self, texts, batch_size=16, **_):
        order = np.argsort([-len(t) for t in texts], kind="stable")  # like ST: longest first, restore order
        out = np.zeros((len(texts), 768), dtype=np.float32)
        for s in range(0, len(texts), batch_size):
            idx = order[s:s + batch_size]
            enc = self.tokenizer([texts[i] for i in idx], padding=True, truncation=True,
                                 max_length=self.max_seq_length, return_tensors="np")
            out[idx] = self.run(enc["input_ids"].astype(np.int64), enc["attention_mask"].astype(np.int64))
        return out

    def encode_document(self, texts, prompt=None, **kw):
        p = self.prompts["document"] if prompt is None else prompt
        return self._encode([p + t for t in texts], **kw)

    def encode_query(self, texts, prompt=None, **kw):
        p = self.prompts["query"] if prompt is None else prompt
        return self._encode([p + t for t in texts], **kw)
