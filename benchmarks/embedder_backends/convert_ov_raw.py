"""OpenVINO IR from the verified whole-pipeline ONNX graph (not via optimum-intel, whose EmbeddingGemma export
was wrong), plus an int8 weight-only compressed copy via nncf."""
import sys, time, openvino as ov, nncf
t = time.perf_counter()
m = ov.convert_model("models/raw-onnx/model.onnx")
ov.save_model(m, "models/ov-raw/model.xml", compress_to_fp16=False)
print("convert_s", time.perf_counter() - t)
t = time.perf_counter()
q = nncf.compress_weights(m, mode=nncf.CompressWeightsMode.INT8_ASYM)
ov.save_model(q, "models/ov-raw/model_int8w.xml", compress_to_fp16=False)
print("int8w_s", time.perf_counter() - t)
