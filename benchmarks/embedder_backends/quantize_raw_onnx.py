"""Dynamic int8 quantisation of the raw ONNX graph with onnxruntime.quantization — the same settings as
optimum's AutoQuantizationConfig.avx512_vnni(is_static=False): per-channel symmetric int8 weights,
uint8 asymmetric activations, reduce_range off, MatMul only. The CPU has avx512_vnni and AMX."""
import sys, time
from onnxruntime.quantization import QuantType, quantize_dynamic
src, dst = sys.argv[1], sys.argv[2]
ops = sys.argv[3].split(",") if len(sys.argv) > 3 else ["MatMul"]
t = time.perf_counter()
quantize_dynamic(src, dst, per_channel=True, reduce_range=False, weight_type=QuantType.QInt8,
                 op_types_to_quantize=ops, use_external_data_format=True,
                 extra_options={"ActivationSymmetric": False, "WeightSymmetric": True})
print("quantize_s", time.perf_counter() - t)
