"""OpenVINO via sentence-transformers' backend="openvino" (optimum-intel 2.2.0, transformers 5.5.4, venv-ov).
export: on-the-fly export of models/eg, saved to models/eg-ov (openvino/openvino_model.xml);
int8w: weight-only int8 compression of that IR with nncf (optimum-intel's default 8-bit weight quantisation)."""
import os, sys, time
os.environ["HF_HUB_OFFLINE"] = "1"; os.environ["TRANSFORMERS_OFFLINE"] = "1"
import torch; torch.set_num_threads(2)
from sentence_transformers import SentenceTransformer
out = "models/eg-ov"
step = sys.argv[1]
t = time.perf_counter()
if step == "export":
    m = SentenceTransformer("models/eg", backend="openvino", device="cpu", local_files_only=True)
    print("export_s", time.perf_counter() - t)
    m.save_pretrained(out)
    print(os.listdir(out), os.listdir(out + "/openvino"))
elif step == "int8w":
    import openvino as ov, nncf
    core = ov.Core()
    model = core.read_model(f"{out}/openvino/openvino_model.xml")
    q = nncf.compress_weights(model, mode=nncf.CompressWeightsMode.INT8_ASYM)
    ov.save_model(q, f"{out}/openvino/openvino_model_int8w.xml")
    print("int8w export_s", time.perf_counter() - t, os.listdir(out + "/openvino"))
