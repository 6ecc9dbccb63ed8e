// RUN: edgeai-opt %s --pass-pipeline=nn-fold-qdq --split-input-file | filecheck %s
// RUN: edgeai-opt %s --pass-pipeline='nn-fold-qdq{rounding=onnx}' --split-input-file | filecheck %s --check-prefix=ONNX
// RUN: edgeai-opt %s --pass-pipeline='nn-fold-qdq{remarks=true}' --split-input-file -o /dev/null 2>&1 | filecheck %s --check-prefix=REMARK

/// Conv with per-channel weights and an int32 bias at s_x*s_w[c]: one integer conv, the bias
/// integers kept, the act carried over, the rounding from the option.
// CHECK-LABEL: func.func @fold_conv_per_channel
// CHECK-NOT:     nn.dequantize
// CHECK:         %[[B:.*]] = nn.constant dense<[7, -3]> : tensor<2x!nn.q<i32:0, {0.125:0, 0.0625:0}>>
// CHECK:         %[[Y:.*]] = nn.conv2d %x, %w, %[[B]] {layer = "conv", {{.*}}act = #nn.act<relu>, rounding = "tflite"} : (tensor<1x3x3x1x!nn.q<i8, 0.5:-1>>, tensor<2x1x1x1x!nn.q<i8:0, {0.25:0, 0.125:0}>>, tensor<2x!nn.q<i32:0, {0.125:0, 0.0625:0}>>) -> tensor<1x3x3x2x!nn.q<i8, 0.25:-128>>
// CHECK-NOT:     nn.quantize
// CHECK:         func.return %[[Y]]
// ONNX-LABEL:  func.func @fold_conv_per_channel
// ONNX:          nn.conv2d {{.*}}rounding = "onnx"
func.func @fold_conv_per_channel(%x: tensor<1x3x3x1x!nn.q<i8, 0.5:-1>>) -> tensor<1x3x3x2x!nn.q<i8, 0.25:-128>> {
  %w = nn.constant dense<[[[[3]]], [[[-5]]]]> : tensor<2x1x1x1x!nn.q<i8:0, {0.25:0, 0.125:0}>>
  %b = nn.constant dense<[7, -3]> : tensor<2x!nn.q<i32:0, {0.125:0, 0.0625:0}>>
  %xf = nn.dequantize %x : (tensor<1x3x3x1x!nn.q<i8, 0.5:-1>>) -> tensor<1x3x3x1xf32>
  %wf = nn.dequantize %w : (tensor<2x1x1x1x!nn.q<i8:0, {0.25:0, 0.125:0}>>) -> tensor<2x1x1x1xf32>
  %bf = nn.dequantize %b : (tensor<2x!nn.q<i32:0, {0.125:0, 0.0625:0}>>) -> tensor<2xf32>
  %y = nn.conv2d %xf, %wf, %bf {layer = "conv", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, act = #nn.act<relu>} : (tensor<1x3x3x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x3x3x2xf32>
  %q = nn.quantize %y {rounding = "onnx"} : (tensor<1x3x3x2xf32>) -> tensor<1x3x3x2x!nn.q<i8, 0.25:-128>>
  func.return %q : tensor<1x3x3x2x!nn.q<i8, 0.25:-128>>
}

// -----

/// tf2onnx's MatMul + Add: the dequantized [1, N] bias joins the dense as its [N] bias.
// CHECK-LABEL: func.func @fold_dense_add_bias
// CHECK-NOT:     nn.add
// CHECK:         %[[B:.*]] = nn.constant dense<[5, -2]> : tensor<2x!nn.q<i32, 0.0625:0>>
// CHECK:         %[[Y:.*]] = nn.dense %x, %w, %[[B]] {rounding = "tflite"} : (tensor<1x4x!nn.q<i8, 0.125:3>>, tensor<2x4x!nn.q<i8, 0.5:0>>, tensor<2x!nn.q<i32, 0.0625:0>>) -> tensor<1x2x!nn.q<i8, 0.05:0>>
// CHECK:         func.return %[[Y]]
func.func @fold_dense_add_bias(%x: tensor<1x4x!nn.q<i8, 0.125:3>>) -> tensor<1x2x!nn.q<i8, 0.05:0>> {
  %w = nn.constant dense<[[1, 2, 3, 4], [-1, -2, -3, -4]]> : tensor<2x4x!nn.q<i8, 0.5:0>>
  %b = nn.constant dense<[[5, -2]]> : tensor<1x2x!nn.q<i32, 0.0625:0>>
  %xf = nn.dequantize %x : (tensor<1x4x!nn.q<i8, 0.125:3>>) -> tensor<1x4xf32>
  %wf = nn.dequantize %w : (tensor<2x4x!nn.q<i8, 0.5:0>>) -> tensor<2x4xf32>
  %bf = nn.dequantize %b : (tensor<1x2x!nn.q<i32, 0.0625:0>>) -> tensor<1x2xf32>
  %d = nn.dense %xf, %wf : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  %y = nn.add %d, %bf : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %q = nn.quantize %y {rounding = "onnx"} : (tensor<1x2xf32>) -> tensor<1x2x!nn.q<i8, 0.05:0>>
  func.return %q : tensor<1x2x!nn.q<i8, 0.05:0>>
}

// -----

/// A bias recorded at twice s_x*s_w is requantized: its integers double.
// CHECK-LABEL: func.func @fold_dense_bias_scale_mismatch
// CHECK:         %[[B:.*]] = nn.constant dense<[10, -4]> : tensor<2x!nn.q<i32, 0.0625:0>>
// CHECK:         nn.dense %x, %w, %[[B]]
func.func @fold_dense_bias_scale_mismatch(%x: tensor<1x4x!nn.q<i8, 0.125:3>>) -> tensor<1x2x!nn.q<i8, 0.05:0>> {
  %w = nn.constant dense<[[1, 2, 3, 4], [-1, -2, -3, -4]]> : tensor<2x4x!nn.q<i8, 0.5:0>>
  %b = nn.constant dense<[5, -2]> : tensor<2x!nn.q<i32, 0.125:0>>
  %xf = nn.dequantize %x : (tensor<1x4x!nn.q<i8, 0.125:3>>) -> tensor<1x4xf32>
  %wf = nn.dequantize %w : (tensor<2x4x!nn.q<i8, 0.5:0>>) -> tensor<2x4xf32>
  %bf = nn.dequantize %b : (tensor<2x!nn.q<i32, 0.125:0>>) -> tensor<2xf32>
  %d = nn.dense %xf, %wf, %bf : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %q = nn.quantize %d {rounding = "onnx"} : (tensor<1x2xf32>) -> tensor<1x2x!nn.q<i8, 0.05:0>>
  func.return %q : tensor<1x2x!nn.q<i8, 0.05:0>>
}

// -----

/// A bias at 1.5 * s_x*s_w with odd integers has no exact int32 at s_x*s_w: the group stays float.
// CHECK-LABEL: func.func @negative_fold_dense_bias_not_representable
// CHECK:         nn.dense %{{.*}}, %{{.*}}, %{{.*}} : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<1x2xf32>
// CHECK:         nn.quantize
// REMARK:        remark: nn-fold-qdq: nn.dense "fc" stays float: bias scale 0.09375 is not s_x*s_w = 0.0625 (channel 0) and the bias value 5 has no exact integer at that scale
func.func @negative_fold_dense_bias_not_representable(%x: tensor<1x4x!nn.q<i8, 0.125:3>>) -> tensor<1x2x!nn.q<i8, 0.05:0>> {
  %w = nn.constant dense<[[1, 2, 3, 4], [-1, -2, -3, -4]]> : tensor<2x4x!nn.q<i8, 0.5:0>>
  %b = nn.constant dense<[5, -2]> : tensor<2x!nn.q<i32, 0.09375:0>>
  %xf = nn.dequantize %x : (tensor<1x4x!nn.q<i8, 0.125:3>>) -> tensor<1x4xf32>
  %wf = nn.dequantize %w : (tensor<2x4x!nn.q<i8, 0.5:0>>) -> tensor<2x4xf32>
  %bf = nn.dequantize %b : (tensor<2x!nn.q<i32, 0.09375:0>>) -> tensor<2xf32>
  %d = nn.dense %xf, %wf, %bf {layer = "fc"} : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %q = nn.quantize %d {rounding = "onnx"} : (tensor<1x2xf32>) -> tensor<1x2x!nn.q<i8, 0.05:0>>
  func.return %q : tensor<1x2x!nn.q<i8, 0.05:0>>
}

// -----

/// Residual add of two dequantized activations, ReLU fused.
// CHECK-LABEL: func.func @fold_add
// CHECK:         %[[Y:.*]] = nn.add %a, %b {act = #nn.act<relu>, rounding = "tflite"} : (tensor<1x4x!nn.q<i8, 0.1:-2>>, tensor<1x4x!nn.q<i8, 0.2:5>>) -> tensor<1x4x!nn.q<i8, 0.15:-128>>
// CHECK-NEXT:    func.return %[[Y]]
func.func @fold_add(%a: tensor<1x4x!nn.q<i8, 0.1:-2>>, %b: tensor<1x4x!nn.q<i8, 0.2:5>>) -> tensor<1x4x!nn.q<i8, 0.15:-128>> {
  %af = nn.dequantize %a : (tensor<1x4x!nn.q<i8, 0.1:-2>>) -> tensor<1x4xf32>
  %bf = nn.dequantize %b : (tensor<1x4x!nn.q<i8, 0.2:5>>) -> tensor<1x4xf32>
  %s = nn.add %af, %bf {act = #nn.act<relu>} : (tensor<1x4xf32>, tensor<1x4xf32>) -> tensor<1x4xf32>
  %q = nn.quantize %s {rounding = "onnx"} : (tensor<1x4xf32>) -> tensor<1x4x!nn.q<i8, 0.15:-128>>
  func.return %q : tensor<1x4x!nn.q<i8, 0.15:-128>>
}

// -----

/// Global average pooling that keeps the input's parameters (TFLite's AVERAGE_POOL_2D).
// CHECK-LABEL: func.func @fold_avg_pool
// CHECK:         %[[Y:.*]] = nn.avg_pool2d %x {{.*}}rounding = "tflite"} : (tensor<1x2x2x3x!nn.q<i8, 0.1:-128>>) -> tensor<1x1x1x3x!nn.q<i8, 0.1:-128>>
// CHECK-NEXT:    func.return %[[Y]]
func.func @fold_avg_pool(%x: tensor<1x2x2x3x!nn.q<i8, 0.1:-128>>) -> tensor<1x1x1x3x!nn.q<i8, 0.1:-128>> {
  %xf = nn.dequantize %x : (tensor<1x2x2x3x!nn.q<i8, 0.1:-128>>) -> tensor<1x2x2x3xf32>
  %p = nn.avg_pool2d %xf {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, count_include_pad = 0 : i64} : (tensor<1x2x2x3xf32>) -> tensor<1x1x1x3xf32>
  %q = nn.quantize %p {rounding = "onnx"} : (tensor<1x1x1x3xf32>) -> tensor<1x1x1x3x!nn.q<i8, 0.1:-128>>
  func.return %q : tensor<1x1x1x3x!nn.q<i8, 0.1:-128>>
}

// -----

/// TFLite averages with the input's parameters: another output scale stays float with rounding=tflite.
// CHECK-LABEL: func.func @negative_fold_avg_pool_rescaled
// CHECK:         nn.avg_pool2d %{{.*}} : (tensor<1x2x2x3xf32>) -> tensor<1x1x1x3xf32>
// ONNX-LABEL:  func.func @negative_fold_avg_pool_rescaled
// ONNX:          nn.avg_pool2d %x {{.*}}rounding = "onnx"} : (tensor<1x2x2x3x!nn.q<i8, 0.1:-128>>) -> tensor<1x1x1x3x!nn.q<i8, 0.05:-128>>
// REMARK:        remark: nn-fold-qdq: nn.avg_pool2d stays float: TFLite's integer AVERAGE_POOL_2D keeps the input's scale and zero point
func.func @negative_fold_avg_pool_rescaled(%x: tensor<1x2x2x3x!nn.q<i8, 0.1:-128>>) -> tensor<1x1x1x3x!nn.q<i8, 0.05:-128>> {
  %xf = nn.dequantize %x : (tensor<1x2x2x3x!nn.q<i8, 0.1:-128>>) -> tensor<1x2x2x3xf32>
  %p = nn.avg_pool2d %xf {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, count_include_pad = 0 : i64} : (tensor<1x2x2x3xf32>) -> tensor<1x1x1x3xf32>
  %q = nn.quantize %p {rounding = "onnx"} : (tensor<1x1x1x3xf32>) -> tensor<1x1x1x3x!nn.q<i8, 0.05:-128>>
  func.return %q : tensor<1x1x1x3x!nn.q<i8, 0.05:-128>>
}

// -----

/// A reshape between dequantize and quantize moves to the quantized side; the pair cancels.
// CHECK-LABEL: func.func @fold_reshape_between_qdq
// CHECK-NEXT:    %[[R:.*]] = nn.reshape %x : (tensor<1x1x1x8x!nn.q<i8, 0.1:-3>>) -> tensor<1x8x!nn.q<i8, 0.1:-3>>
// CHECK-NEXT:    func.return %[[R]]
func.func @fold_reshape_between_qdq(%x: tensor<1x1x1x8x!nn.q<i8, 0.1:-3>>) -> tensor<1x8x!nn.q<i8, 0.1:-3>> {
  %xf = nn.dequantize %x : (tensor<1x1x1x8x!nn.q<i8, 0.1:-3>>) -> tensor<1x1x1x8xf32>
  %r = nn.reshape %xf : (tensor<1x1x1x8xf32>) -> tensor<1x8xf32>
  %q = nn.quantize %r {rounding = "onnx"} : (tensor<1x8xf32>) -> tensor<1x8x!nn.q<i8, 0.1:-3>>
  func.return %q : tensor<1x8x!nn.q<i8, 0.1:-3>>
}

// -----

/// ... and with other output parameters the pair becomes a requantize.
// CHECK-LABEL: func.func @fold_transpose_requantize
// CHECK-NEXT:    %[[T:.*]] = nn.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3x!nn.q<i8, 0.1:-3>>) -> tensor<3x2x!nn.q<i8, 0.1:-3>>
// CHECK-NEXT:    %[[Y:.*]] = nn.requantize %[[T]] {rounding = "tflite"} : (tensor<3x2x!nn.q<i8, 0.1:-3>>) -> tensor<3x2x!nn.q<i8, 0.2:4>>
// CHECK-NEXT:    func.return %[[Y]]
func.func @fold_transpose_requantize(%x: tensor<2x3x!nn.q<i8, 0.1:-3>>) -> tensor<3x2x!nn.q<i8, 0.2:4>> {
  %xf = nn.dequantize %x : (tensor<2x3x!nn.q<i8, 0.1:-3>>) -> tensor<2x3xf32>
  %t = nn.transpose %xf {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %q = nn.quantize %t {rounding = "onnx"} : (tensor<3x2xf32>) -> tensor<3x2x!nn.q<i8, 0.2:4>>
  func.return %q : tensor<3x2x!nn.q<i8, 0.2:4>>
}

// -----

/// A result that is not quantized (returned as f32) keeps the float conv and its dequantizes.
// CHECK-LABEL: func.func @negative_fold_result_not_quantized
// CHECK:         nn.dequantize
// CHECK:         %[[Y:.*]] = nn.conv2d {{.*}} -> tensor<1x3x3x2xf32>
// CHECK-NEXT:    func.return %[[Y]]
// REMARK:        remark: nn-fold-qdq: nn.conv2d stays float: its result is not quantized (used by func.return)
func.func @negative_fold_result_not_quantized(%x: tensor<1x3x3x1x!nn.q<i8, 0.5:-1>>) -> tensor<1x3x3x2xf32> {
  %w = nn.constant dense<[[[[3]]], [[[-5]]]]> : tensor<2x1x1x1x!nn.q<i8:0, {0.25:0, 0.125:0}>>
  %xf = nn.dequantize %x : (tensor<1x3x3x1x!nn.q<i8, 0.5:-1>>) -> tensor<1x3x3x1xf32>
  %wf = nn.dequantize %w : (tensor<2x1x1x1x!nn.q<i8:0, {0.25:0, 0.125:0}>>) -> tensor<2x1x1x1xf32>
  %y = nn.conv2d %xf, %wf {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x3x3x1xf32>, tensor<2x1x1x1xf32>) -> tensor<1x3x3x2xf32>
  func.return %y : tensor<1x3x3x2xf32>
}

// -----

/// A float model has nothing to fold.
// CHECK-LABEL: func.func @negative_fold_float_model
// CHECK-NEXT:    nn.relu %x
func.func @negative_fold_float_model(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = nn.relu %x : (tensor<4xf32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}

// -----

/// Binary weights (+-1 scaled by alpha per output channel) fold like quantized ones: the bias
/// scale is s_x * alpha[c].
// CHECK-LABEL: func.func @dense_binary_weights
// CHECK:         nn.dense %{{.*}}, %{{.*}}, %{{.*}} {{{.*}}rounding = "tflite"{{.*}}} : (tensor<1x4x!nn.q<i8, 0.5:0>>, tensor<2x4x!nn.bin<:0, {0.25, 0.5}>>, tensor<2x!nn.q<i32:0, {0.125:0, 0.25:0}>>) -> tensor<1x2x!nn.q<i8, 0.1:0>>
// CHECK-NOT:     nn.dequantize
func.func @dense_binary_weights(%x: tensor<1x4x!nn.q<i8, 0.5:0>>) -> tensor<1x2x!nn.q<i8, 0.1:0>> {
  %xd = nn.dequantize %x : (tensor<1x4x!nn.q<i8, 0.5:0>>) -> tensor<1x4xf32>
  %w = nn.constant dense<[[1, -1, 1, 1], [-1, -1, 1, -1]]> : tensor<2x4x!nn.bin<:0, {0.25, 0.5}>>
  %wd = nn.dequantize %w : (tensor<2x4x!nn.bin<:0, {0.25, 0.5}>>) -> tensor<2x4xf32>
  %b = nn.constant dense<[3, -2]> : tensor<2x!nn.q<i32:0, {0.125:0, 0.25:0}>>
  %bd = nn.dequantize %b : (tensor<2x!nn.q<i32:0, {0.125:0, 0.25:0}>>) -> tensor<2xf32>
  %y = nn.dense %xd, %wd, %bd : (tensor<1x4xf32>, tensor<2x4xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %q = nn.quantize %y : (tensor<1x2xf32>) -> tensor<1x2x!nn.q<i8, 0.1:0>>
  func.return %q : tensor<1x2x!nn.q<i8, 0.1:0>>
}
