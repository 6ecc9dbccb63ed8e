// RUN: edgeai-opt %s --split-input-file | filecheck %s
// RUN: edgeai-opt %s --split-input-file --print-op-generic | edgeai-opt --split-input-file | filecheck %s

/// `tfl` ops round-trip through the custom and the generic form with every builtin option
/// explicit and the file's quantization in the element types (what the TFLite frontend prints).

// CHECK-LABEL: func.func @conv_per_channel
// CHECK:       %w = tfl.const dense<{{.*}}> : tensor<2x3x3x1x!nn.q<i8:0, {0.01:0, 0.02:0}>>
// CHECK:       %b = tfl.const dense<[10, -20]> : tensor<2x!nn.q<i32:0, {0.005:0, 0.01:0}>>
// CHECK:       %y = tfl.conv_2d %x, %w, %b {layer = "conv_2d_0", dilation_h_factor = 1 : i64, dilation_w_factor = 1 : i64, fused_activation_function = "RELU6", padding = "SAME", stride_h = 2 : i64, stride_w = 2 : i64} : (tensor<1x5x5x1x!nn.q<i8, 0.5:-1>>, tensor<2x3x3x1x!nn.q<i8:0, {0.01:0, 0.02:0}>>, tensor<2x!nn.q<i32:0, {0.005:0, 0.01:0}>>) -> tensor<1x3x3x2x!nn.q<i8, 0.1:-128>>
func.func @conv_per_channel(%x: tensor<1x5x5x1x!nn.q<i8, 0.5:-1>> {edgeai.name = "input"}) -> (tensor<1x3x3x2x!nn.q<i8, 0.1:-128>> {edgeai.name = "output"}) {
  %w = tfl.const dense<1> : tensor<2x3x3x1x!nn.q<i8:0, {0.01:0, 0.02:0}>>
  %b = tfl.const dense<[10, -20]> : tensor<2x!nn.q<i32:0, {0.005:0, 0.01:0}>>
  %y = tfl.conv_2d %x, %w, %b {layer = "conv_2d_0", dilation_h_factor = 1 : i64, dilation_w_factor = 1 : i64, fused_activation_function = "RELU6", padding = "SAME", stride_h = 2 : i64, stride_w = 2 : i64} : (tensor<1x5x5x1x!nn.q<i8, 0.5:-1>>, tensor<2x3x3x1x!nn.q<i8:0, {0.01:0, 0.02:0}>>, tensor<2x!nn.q<i32:0, {0.005:0, 0.01:0}>>) -> tensor<1x3x3x2x!nn.q<i8, 0.1:-128>>
  func.return %y : tensor<1x3x3x2x!nn.q<i8, 0.1:-128>>
}

// -----

/// An absent optional input is `tfl.no_value`; fully connected flattens to [-1, K].
// CHECK-LABEL: func.func @fully_connected_no_bias
// CHECK:       %n = tfl.no_value
// CHECK:       tfl.fully_connected %x, %w, %n {asymmetric_quantize_inputs = 0 : i64, fused_activation_function = "NONE", keep_num_dims = 0 : i64, weights_format = "DEFAULT"} : (tensor<1x2x3xf32>, tensor<4x3xf32>, none) -> tensor<2x4xf32>
func.func @fully_connected_no_bias(%x: tensor<1x2x3xf32>) -> tensor<2x4xf32> {
  %w = tfl.const dense<0.5> : tensor<4x3xf32>
  %n = tfl.no_value
  %y = tfl.fully_connected %x, %w, %n {asymmetric_quantize_inputs = 0 : i64, fused_activation_function = "NONE", keep_num_dims = 0 : i64, weights_format = "DEFAULT"} : (tensor<1x2x3xf32>, tensor<4x3xf32>, none) -> tensor<2x4xf32>
  func.return %y : tensor<2x4xf32>
}

// -----

/// Pools, element-wise ops with broadcasting, activations, softmax and data movement.
// CHECK-LABEL: func.func @misc
// CHECK:       tfl.max_pool_2d %x {filter_height = 2 : i64, filter_width = 2 : i64, fused_activation_function = "NONE", padding = "VALID", stride_h = 2 : i64, stride_w = 2 : i64}
// CHECK:       tfl.add %{{.*}}, %c {fused_activation_function = "RELU", pot_scale_int16 = 1 : i64} : (tensor<1x2x2x3xf32>, tensor<3xf32>) -> tensor<1x2x2x3xf32>
// CHECK:       tfl.hard_swish
// CHECK:       tfl.leaky_relu %{{.*}} {alpha = 0.25 : f32}
// CHECK:       tfl.concatenation %{{.*}}, %{{.*}} {axis = 3 : i64, fused_activation_function = "NONE"} : (tensor<1x2x2x3xf32>, tensor<1x2x2x3xf32>) -> tensor<1x2x2x6xf32>
// CHECK:       tfl.squeeze %{{.*}} {squeeze_dims = array<i64: 0>} : (tensor<1x2x2x6xf32>) -> tensor<2x2x6xf32>
// CHECK:       tfl.softmax %{{.*}} {beta = 1.0 : f32}
func.func @misc(%x: tensor<1x4x4x3xf32>) -> tensor<2x2x6xf32> {
  %p = tfl.max_pool_2d %x {filter_height = 2 : i64, filter_width = 2 : i64, fused_activation_function = "NONE", padding = "VALID", stride_h = 2 : i64, stride_w = 2 : i64} : (tensor<1x4x4x3xf32>) -> tensor<1x2x2x3xf32>
  %c = tfl.const dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %a = tfl.add %p, %c {fused_activation_function = "RELU", pot_scale_int16 = 1 : i64} : (tensor<1x2x2x3xf32>, tensor<3xf32>) -> tensor<1x2x2x3xf32>
  %h = tfl.hard_swish %a : (tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %l = tfl.leaky_relu %h {alpha = 0.25 : f32} : (tensor<1x2x2x3xf32>) -> tensor<1x2x2x3xf32>
  %k = tfl.concatenation %l, %a {axis = 3 : i64, fused_activation_function = "NONE"} : (tensor<1x2x2x3xf32>, tensor<1x2x2x3xf32>) -> tensor<1x2x2x6xf32>
  %s = tfl.squeeze %k {squeeze_dims = array<i64: 0>} : (tensor<1x2x2x6xf32>) -> tensor<2x2x6xf32>
  %y = tfl.softmax %s {beta = 1.0 : f32} : (tensor<2x2x6xf32>) -> tensor<2x2x6xf32>
  func.return %y : tensor<2x2x6xf32>
}

// -----

/// Recurrent state is a variable tensor: a `tfl.const` marked `tfl.variable` (its initial value).
// CHECK-LABEL: func.func @svdf_state
// CHECK:       %state = tfl.const dense<0.0> {tfl.variable} : tensor<1x12xf32>
// CHECK:       tfl.svdf %x, %wf, %wt, %n, %state {asymmetric_quantize_inputs = 0 : i64, fused_activation_function = "RELU", rank = 1 : i64}
func.func @svdf_state(%x: tensor<1x4xf32>) -> tensor<1x3xf32> {
  %wf = tfl.const dense<0.1> : tensor<3x4xf32>
  %wt = tfl.const dense<0.2> : tensor<3x4xf32>
  %n = tfl.no_value
  %state = tfl.const dense<0.0> {tfl.variable} : tensor<1x12xf32>
  %y = tfl.svdf %x, %wf, %wt, %n, %state {asymmetric_quantize_inputs = 0 : i64, fused_activation_function = "RELU", rank = 1 : i64} : (tensor<1x4xf32>, tensor<3x4xf32>, tensor<3x4xf32>, none, tensor<1x12xf32>) -> tensor<1x3xf32>
  func.return %y : tensor<1x3xf32>
}
