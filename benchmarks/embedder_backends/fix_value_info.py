"""Drop the dynamo exporter's value_info (one stale shape annotation, 768 vs 3072, breaks onnxruntime's
quantiser shape inference); the graph itself is unchanged."""
import sys, onnx
m = onnx.load(sys.argv[1])
m.graph.ClearField("value_info")
onnx.save(m, sys.argv[2], save_as_external_data=True, location=sys.argv[2].split("/")[-1] + ".data")
