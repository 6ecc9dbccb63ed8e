// RUN: edgeai-opt %s --pass-pipeline=nn-fuse-bias --split-input-file | filecheck %s

/// MatMul + Add as tf2onnx emits it: the constant add becomes the dense op's bias.
// CHECK-LABEL: func.func @dense_then_add
// CHECK:         %[[B:.*]] = nn.constant dense<[1.5, -2.0]> : tensor<2xf32>
// CHECK-NEXT:    %[[Y:.*]] = nn.dense %x, %w, %[[B]] : (tensor<1x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<1x2xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @dense_then_add(%x: tensor<1x3xf32>) -> tensor<1x2xf32> {
  %w = nn.constant dense<1.0> : tensor<2x3xf32>
  %c = nn.constant dense<[[1.5, -2.0]]> : tensor<1x2xf32>
  %y = nn.dense %x, %w : (tensor<1x3xf32>, tensor<2x3xf32>) -> tensor<1x2xf32>
  %z = nn.add %y, %c : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  func.return %z : tensor<1x2xf32>
}

// -----

/// An existing bias is summed with the added constant (operands in either order).
// CHECK-LABEL: func.func @conv_bias_plus_add
// CHECK:         nn.constant dense<[1.5, 2.5]> : tensor<2xf32>
// CHECK:         nn.conv2d
// CHECK-NOT:     nn.add
func.func @conv_bias_plus_add(%x: tensor<1x2x2x1xf32>) -> tensor<1x2x2x2xf32> {
  %w = nn.constant dense<1.0> : tensor<2x1x1x1xf32>
  %b = nn.constant dense<[1.0, 2.0]> : tensor<2xf32>
  %c = nn.constant dense<0.5> : tensor<2xf32>
  %y = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %z = nn.add %c, %y : (tensor<2xf32>, tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  func.return %z : tensor<1x2x2x2xf32>
}

// -----

/// Not a bias: the constant varies along a spatial axis.
// CHECK-LABEL: func.func @negative_spatial_constant
// CHECK:         nn.add
func.func @negative_spatial_constant(%x: tensor<1x2x2x1xf32>) -> tensor<1x2x2x2xf32> {
  %w = nn.constant dense<1.0> : tensor<2x1x1x1xf32>
  %c = nn.constant dense<[[[0.5, 0.5]], [[1.0, 1.0]]]> : tensor<2x1x2xf32>
  %y = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x2x2x1xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %z = nn.add %y, %c : (tensor<1x2x2x2xf32>, tensor<2x1x2xf32>) -> tensor<1x2x2x2xf32>
  func.return %z : tensor<1x2x2x2xf32>
}

// -----

/// Not fused: the producer's result has another user.
// CHECK-LABEL: func.func @negative_two_users
// CHECK:         nn.add
func.func @negative_two_users(%x: tensor<1x3xf32>) -> (tensor<1x2xf32>, tensor<1x2xf32>) {
  %w = nn.constant dense<1.0> : tensor<2x3xf32>
  %c = nn.constant dense<1.0> : tensor<2xf32>
  %y = nn.dense %x, %w : (tensor<1x3xf32>, tensor<2x3xf32>) -> tensor<1x2xf32>
  %z = nn.add %y, %c : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %y, %z : tensor<1x2xf32>, tensor<1x2xf32>
}
