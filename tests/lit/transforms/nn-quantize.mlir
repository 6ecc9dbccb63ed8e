// RUN: python -c "import numpy as np; np.savez('%t.npz', x=np.linspace(-2, 2, 64, dtype=np.float32).reshape(8, 1, 8))"
// RUN: edgeai-opt %s --pass-pipeline='nn-quantize{calib="%t.npz"}' | filecheck %s
// RUN: edgeai-opt %s --pass-pipeline='nn-quantize{calib="%t.npz" io="int" activation-bits=16}' | filecheck %s --check-prefix=INT16

/// Post-training quantization of a float dense layer: int8 per-channel weights, int32 bias,
/// asymmetric int8 activations; the float input is quantized once at the boundary and the
/// output dequantized (float I/O by default).

// CHECK-LABEL: func.func @main
// CHECK:         %[[Q:.*]] = nn.quantize %x {rounding = "tflite"} : (tensor<1x8xf32>) -> tensor<1x8x!nn.q<i8,
// CHECK:         %[[Y:.*]] = nn.dense %[[Q]], %{{.*}}, %{{.*}} {layer = "fc", act = #nn.act<relu>, rounding = "tflite"} : (tensor<1x8x!nn.q<i8, {{.*}}>>, tensor<4x8x!nn.q<i8:0, {{.*}}>>, tensor<4x!nn.q<i32:0, {{.*}}>>) -> tensor<1x4x!nn.q<i8, {{.*}}:-128>>
// CHECK-NEXT:    %[[D:.*]] = nn.dequantize %[[Y]]
// CHECK-NEXT:    func.return %[[D]] : tensor<1x4xf32>

/// With integer I/O and 16-bit activations the signature carries the quantized types.
// INT16-LABEL: func.func @main
// INT16-SAME:    (%x: tensor<1x8x!nn.q<i16, {{.*}}:0>> {edgeai.name = "x"}) -> (tensor<1x4x!nn.q<i16, {{.*}}:0>> {edgeai.name = "y"})
// INT16-NOT:     nn.quantize
// INT16:         nn.dense
// INT16-NOT:     nn.dequantize
func.func @main(%x: tensor<1x8xf32> {edgeai.name = "x"}) -> (tensor<1x4xf32> {edgeai.name = "y"}) {
  %w = nn.constant dense<[[0.5, -0.25, 0.125, 1.0, -1.0, 0.75, 0.0, 0.3], [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], [-0.8, -0.7, -0.6, -0.5, -0.4, -0.3, -0.2, -0.1], [1.5, 0.0, -1.5, 0.0, 1.5, 0.0, -1.5, 0.0]]> : tensor<4x8xf32>
  %b = nn.constant dense<[0.1, -0.2, 0.3, 0.0]> : tensor<4xf32>
  %y = nn.dense %x, %w, %b {layer = "fc", act = #nn.act<relu>} : (tensor<1x8xf32>, tensor<4x8xf32>, tensor<4xf32>) -> tensor<1x4xf32>
  func.return %y : tensor<1x4xf32>
}
