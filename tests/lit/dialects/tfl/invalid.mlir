// RUN: edgeai-opt %s --split-input-file --verify-diagnostics | filecheck %s

/// Verifier messages of the `tfl` dialect: option enumerations, shape rules, element types.

// CHECK: padding must be one of SAME, VALID, got 'FULL'
func.func @f(%x: tensor<1x4x4x1xf32>) {
  %0 = tfl.max_pool_2d %x {filter_height = 2 : i64, filter_width = 2 : i64, fused_activation_function = "NONE", padding = "FULL", stride_h = 2 : i64, stride_w = 2 : i64} : (tensor<1x4x4x1xf32>) -> tensor<1x2x2x1xf32>
  func.return
}

// -----

// CHECK: fused_activation_function must be one of NONE, RELU, RELU_N1_TO_1, RELU6, TANH, SIGN_BIT, got 'GELU'
func.func @f(%x: tensor<2xf32>) {
  %0 = tfl.add %x, %x {fused_activation_function = "GELU", pot_scale_int16 = 1 : i64} : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  func.return
}

// -----

// CHECK: result #0 has shape 1x4x4x2, expected 1x2x2x2
func.func @f(%x: tensor<1x4x4x1xf32>, %w: tensor<2x3x3x1xf32>) {
  %n = tfl.no_value
  %0 = tfl.conv_2d %x, %w, %n {dilation_h_factor = 1 : i64, dilation_w_factor = 1 : i64, fused_activation_function = "NONE", padding = "VALID", stride_h = 1 : i64, stride_w = 1 : i64} : (tensor<1x4x4x1xf32>, tensor<2x3x3x1xf32>, none) -> tensor<1x4x4x2xf32>
  func.return
}

// -----

// CHECK: depthwise filter must be 1xHxWxC, got 2x3x3x1
func.func @f(%x: tensor<1x4x4x1xf32>, %w: tensor<2x3x3x1xf32>) {
  %n = tfl.no_value
  %0 = tfl.depthwise_conv_2d %x, %w, %n {depth_multiplier = 2 : i64, dilation_h_factor = 1 : i64, dilation_w_factor = 1 : i64, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i64, stride_w = 1 : i64} : (tensor<1x4x4x1xf32>, tensor<2x3x3x1xf32>, none) -> tensor<1x4x4x2xf32>
  func.return
}

// -----

// CHECK: shapes 2x3, 4 are not broadcastable
func.func @f(%x: tensor<2x3xf32>, %y: tensor<4xf32>) {
  %0 = tfl.mul %x, %y {fused_activation_function = "NONE"} : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  func.return
}

// -----

// CHECK: result 5 must keep the 6 elements of the input
func.func @f(%x: tensor<2x3xf32>, %s: tensor<1xi32>) {
  %0 = tfl.reshape %x, %s : (tensor<2x3xf32>, tensor<1xi32>) -> tensor<5xf32>
  func.return
}

// -----

// CHECK: operands must share one element type
func.func @f(%x: tensor<1x2x2x1x!nn.q<i8, 0.5:0>>) {
  %0 = tfl.max_pool_2d %x {filter_height = 2 : i64, filter_width = 2 : i64, fused_activation_function = "NONE", padding = "VALID", stride_h = 2 : i64, stride_w = 2 : i64} : (tensor<1x2x2x1x!nn.q<i8, 0.5:0>>) -> tensor<1x1x1x1x!nn.q<i8, 0.25:0>>
  func.return
}

// -----

// CHECK: squeeze dim 1 has size 3, expected 1
func.func @f(%x: tensor<1x3xf32>) {
  %0 = tfl.squeeze %x {squeeze_dims = array<i64: 1>} : (tensor<1x3xf32>) -> tensor<1xf32>
  func.return
}

// -----

// CHECK: property 'beta' expected in operation 'tfl.softmax'
func.func @f(%x: tensor<2xf32>) {
  %0 = tfl.softmax %x : (tensor<2xf32>) -> tensor<2xf32>
  func.return
}
