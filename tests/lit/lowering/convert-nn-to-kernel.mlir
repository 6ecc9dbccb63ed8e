// RUN: edgeai-opt %s --pass-pipeline=convert-nn-to-kernel --split-input-file | filecheck %s

/// An int8 conv -> dense network: buffers in the arena, TFLite parameters computed at compile
/// time (input offset = -zero point, per-channel multiplier/shift, activation range), the flatten
/// is a view and the dense writes the output argument directly. The quantization of the
/// inputs and outputs is recorded on the arguments (for the emitters' I/O macros).
// CHECK-LABEL: func.func @int8_conv_dense
// CHECK-SAME:    (%x: memref<1x2x2x1xi8> {edgeai.name = "x", edgeai.scale = 0.5 : f32, edgeai.zero_point = -3 : i64}, %{{.*}}: memref<1x2xi8> {edgeai.name = "y", edgeai.scale = 1.0 : f32, edgeai.zero_point = 0 : i64})
// CHECK-SAME:    attributes {edgeai.num_outputs = 1 : i64}
// CHECK:         %[[T:.*]] = mem.alloc {pool = "arena"} : memref<1x2x2x2xi8>
// CHECK:         kernel.conv2d %x, %{{.*}}, %{{.*}}, %[[T]] {layer = "conv", {{.*}}input_offset = 3 : i64, output_offset = -128 : i64, output_multiplier = array<i32: 1073741824, 1073741824>, output_shift = array<i32: 0, 2>, qmin = -128 : i64, qmax = 127 : i64}
// CHECK:         %[[V:.*]] = mem.view %[[T]] : memref<1x2x2x2xi8> -> memref<1x8xi8>
// CHECK:         kernel.fully_connected %[[V]], %{{.*}}, %{{.*}} {layer = "fc"
// CHECK-NEXT:    func.return
func.func @int8_conv_dense(%x: tensor<1x2x2x1x!nn.q<i8, 0.5:-3>> {edgeai.name = "x"}) -> (tensor<1x2x!nn.q<i8, 1.0:0>> {edgeai.name = "y"}) {
  %w = nn.constant dense<[[[[1]]], [[[2]]]]> : tensor<2x1x1x1x!nn.q<i8:0, {0.25:0, 1.0:0}>>
  %b = nn.constant dense<[1, 2]> : tensor<2x!nn.q<i32:0, {0.125:0, 0.5:0}>>
  %c = nn.conv2d %x, %w, %b {layer = "conv", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, act = #nn.act<relu>, rounding = "tflite"} : (tensor<1x2x2x1x!nn.q<i8, 0.5:-3>>, tensor<2x1x1x1x!nn.q<i8:0, {0.25:0, 1.0:0}>>, tensor<2x!nn.q<i32:0, {0.125:0, 0.5:0}>>) -> tensor<1x2x2x2x!nn.q<i8, 0.25:-128>>
  %r = nn.reshape %c : (tensor<1x2x2x2x!nn.q<i8, 0.25:-128>>) -> tensor<1x8x!nn.q<i8, 0.25:-128>>
  %fw = nn.constant dense<1> : tensor<2x8x!nn.q<i8, 0.5:0>>
  %y = nn.dense %r, %fw {layer = "fc", rounding = "tflite"} : (tensor<1x8x!nn.q<i8, 0.25:-128>>, tensor<2x8x!nn.q<i8, 0.5:0>>) -> tensor<1x2x!nn.q<i8, 1.0:0>>
  func.return %y : tensor<1x2x!nn.q<i8, 1.0:0>>
}

// -----

/// A float program keeps float kernels with the fused activation as fmin/fmax; a returned input
/// is copied into its output buffer.
// CHECK-LABEL: func.func @float_relu_and_identity
// CHECK:         kernel.clamp %x, %{{.*}} {fmin = 0.0 : f32, fmax = 3.4028235e+38 : f32}
// CHECK:         kernel.copy %x, %{{.*}} : memref<4xf32>, memref<4xf32>
func.func @float_relu_and_identity(%x: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %y = nn.relu %x : (tensor<4xf32>) -> tensor<4xf32>
  func.return %y, %x : tensor<4xf32>, tensor<4xf32>
}

// -----

/// Integer inputs and outputs reinterpreted by `nn.storage_cast` at the boundary (the form of
/// QDQ models after nn-fold-qdq) record the quantization the cast gives them.
// CHECK-LABEL: func.func @int8_io_through_storage_cast
// CHECK-SAME:    (%x: memref<4xi8> {edgeai.scale = 0.25 : f32, edgeai.zero_point = 5 : i64}, %{{.*}}: memref<4xi8> {edgeai.scale = 0.25 : f32, edgeai.zero_point = 5 : i64})
// CHECK:         kernel.clamp %x, %{{.*}} {qmin = 5 : i64, qmax = 127 : i64}
func.func @int8_io_through_storage_cast(%x: tensor<4xi8>) -> tensor<4xi8> {
  %q = nn.storage_cast %x : (tensor<4xi8>) -> tensor<4x!nn.q<i8, 0.25:5>>
  %r = nn.relu %q {rounding = "tflite"} : (tensor<4x!nn.q<i8, 0.25:5>>) -> tensor<4x!nn.q<i8, 0.25:5>>
  %y = nn.storage_cast %r : (tensor<4x!nn.q<i8, 0.25:5>>) -> tensor<4xi8>
  func.return %y : tensor<4xi8>
}
