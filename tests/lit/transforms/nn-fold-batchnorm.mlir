// RUN: edgeai-opt %s --pass-pipeline=nn-fold-batchnorm --split-input-file | filecheck %s

// s = gamma / sqrt(var + eps) = [2, 1], t = beta - mean * s = [0, -1] in every case below.

/// BatchNorm after a conv folds into its OHWI weights (axis 0) and bias.
// CHECK-LABEL: func.func @fold_bn_after_conv
// CHECK-DAG:     %[[W:.*]] = nn.constant dense<{{\[}}[{{\[}}[2.0]]], [{{\[}}[3.0]]]]> : tensor<2x1x1x1xf32>
// CHECK-DAG:     %[[B:.*]] = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
// CHECK:         %[[Y:.*]] = nn.conv2d %x, %[[W]], %[[B]] {layer = "conv"
// CHECK-NOT:     nn.batch_norm
// CHECK:         func.return %[[Y]]
func.func @fold_bn_after_conv(%x: tensor<1x2x2x1xf32>) -> tensor<1x2x2x2xf32> {
  %w = nn.constant dense<[[[[1.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %b = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %y = nn.conv2d %x, %w, %b {layer = "conv", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %g = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %be = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %v = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %z = nn.batch_norm %y, %g, %be, %m, %v {layer = "bn", epsilon = 1.0 : f32} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  func.return %z : tensor<1x2x2x2xf32>
}

// -----

/// Depthwise weights scale along axis 3; a missing bias is created.
// CHECK-LABEL: func.func @fold_bn_after_depthwise_without_bias
// CHECK-DAG:     %[[W:.*]] = nn.constant dense<{{\[}}[{{\[}}[2.0, 3.0]]]]> : tensor<1x1x1x2xf32>
// CHECK-DAG:     %[[B:.*]] = nn.constant dense<[0.0, -1.0]> : tensor<2xf32>
// CHECK:         %[[Y:.*]] = nn.depthwise_conv2d %x, %[[W]], %[[B]]
// CHECK-NOT:     nn.batch_norm
// CHECK:         func.return %[[Y]]
func.func @fold_bn_after_depthwise_without_bias(%x: tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32> {
  %w = nn.constant dense<[[[[1.0, 3.0]]]]> : tensor<1x1x1x2xf32>
  %y = nn.depthwise_conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x2x2x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x2x2x2xf32>
  %g = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %be = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %v = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %z = nn.batch_norm %y, %g, %be, %m, %v {epsilon = 1.0 : f32} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  func.return %z : tensor<1x2x2x2xf32>
}

// -----

/// Dense weights [N, K] scale along axis 0.
// CHECK-LABEL: func.func @fold_bn_after_dense
// CHECK-DAG:     %[[W:.*]] = nn.constant dense<{{\[}}[2.0, 2.0, 2.0], [1.0, 1.0, 1.0]]> : tensor<2x3xf32>
// CHECK-DAG:     %[[B:.*]] = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
// CHECK:         %[[Y:.*]] = nn.dense %x, %[[W]], %[[B]]
// CHECK-NOT:     nn.batch_norm
// CHECK:         func.return %[[Y]]
func.func @fold_bn_after_dense(%x: tensor<1x3xf32>) -> tensor<1x2xf32> {
  %w = nn.constant dense<1.0> : tensor<2x3xf32>
  %b = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %y = nn.dense %x, %w, %b : (tensor<1x3xf32>, tensor<2x3xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %g = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %be = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %v = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %z = nn.batch_norm %y, %g, %be, %m, %v {epsilon = 1.0 : f32} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %z : tensor<1x2xf32>
}

// -----

/// A standalone batch norm becomes a per-channel mul + add.
// CHECK-LABEL: func.func @lower_bn_standalone
// CHECK-DAG:     %[[S:.*]] = nn.constant dense<[2.0, 1.0]> : tensor<2xf32>
// CHECK-DAG:     %[[T:.*]] = nn.constant dense<[0.0, -1.0]> : tensor<2xf32>
// CHECK:         %[[M:.*]] = nn.mul %x, %[[S]] {layer = "bn"} : (tensor<1x3x2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
// CHECK-NEXT:    %[[A:.*]] = nn.add %[[M]], %[[T]] {layer = "bn"}
// CHECK-NEXT:    func.return %[[A]]
func.func @lower_bn_standalone(%x: tensor<1x3x2xf32>) -> tensor<1x3x2xf32> {
  %g = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %be = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %v = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %z = nn.batch_norm %x, %g, %be, %m, %v {layer = "bn", epsilon = 1.0 : f32} : (tensor<1x3x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x3x2xf32>
  func.return %z : tensor<1x3x2xf32>
}

// -----

/// The conv result has a second user: its weights stay, the batch norm becomes mul + add.
// CHECK-LABEL: func.func @negative_fold_bn_conv_two_uses
// CHECK:         %[[W:.*]] = nn.constant dense<{{\[}}[{{\[}}[1.0]]], [{{\[}}[2.0]]]]>
// CHECK:         %[[Y:.*]] = nn.conv2d %x, %[[W]]
// CHECK:         nn.mul %[[Y]]
// CHECK-NOT:     nn.batch_norm
func.func @negative_fold_bn_conv_two_uses(%x: tensor<1x2x2x1xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %w = nn.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %y = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x2x2x1xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %g = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %be = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %v = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %z = nn.batch_norm %y, %g, %be, %m, %v {epsilon = 1.0 : f32} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  func.return %y, %z : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}

// -----

/// Two convs share one weight constant: folding would duplicate the weights.
// CHECK-LABEL: func.func @negative_fold_bn_shared_weights
// CHECK:         %[[W:.*]] = nn.constant dense<{{\[}}[{{\[}}[1.0]]], [{{\[}}[2.0]]]]>
// CHECK:         %[[Y:.*]] = nn.conv2d %x, %[[W]]
// CHECK:         nn.conv2d %x, %[[W]]
// CHECK:         nn.mul %[[Y]]
func.func @negative_fold_bn_shared_weights(%x: tensor<1x2x2x1xf32>) -> (tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>) {
  %w = nn.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %y = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x2x2x1xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %y2 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x2x2x1xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %g = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %be = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %v = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %z = nn.batch_norm %y, %g, %be, %m, %v {epsilon = 1.0 : f32} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  func.return %z, %y2 : tensor<1x2x2x2xf32>, tensor<1x2x2x2xf32>
}

// -----

/// A fused activation sits between the conv and the batch norm: no fold.
// CHECK-LABEL: func.func @negative_fold_bn_conv_with_act
// CHECK:         %[[W:.*]] = nn.constant dense<{{\[}}[{{\[}}[1.0]]], [{{\[}}[2.0]]]]>
// CHECK:         nn.conv2d %x, %[[W]] {{.*}}act = #nn.act<relu>
func.func @negative_fold_bn_conv_with_act(%x: tensor<1x2x2x1xf32>) -> tensor<1x2x2x2xf32> {
  %w = nn.constant dense<[[[[1.0]]], [[[2.0]]]]> : tensor<2x1x1x1xf32>
  %y = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, act = #nn.act<relu>} : (tensor<1x2x2x1xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %g = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %be = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %v = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %z = nn.batch_norm %y, %g, %be, %m, %v {epsilon = 1.0 : f32} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  func.return %z : tensor<1x2x2x2xf32>
}

// -----

/// Non-constant batch norm parameters: nothing to fold or lower.
// CHECK-LABEL: func.func @negative_fold_bn_dynamic_params
// CHECK:         nn.batch_norm %x, %g
func.func @negative_fold_bn_dynamic_params(%x: tensor<1x2xf32>, %g: tensor<2xf32>) -> tensor<1x2xf32> {
  %be = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %v = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %z = nn.batch_norm %x, %g, %be, %m, %v {epsilon = 1.0 : f32} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %z : tensor<1x2xf32>
}

// -----

/// Binary weights: the batch-norm scale goes into the per-channel alphas; a negative scale
/// negates that channel's +-1 weights, so the weights stay binary.
// CHECK-LABEL: func.func @fold_bn_into_binary_weights
// CHECK:         %[[W:.*]] = nn.constant dense<{{\[}}[1, -1], [1, 1]]> : tensor<2x2x!nn.bin<:0, {1.0, 0.5}>>
// CHECK:         nn.dequantize %[[W]]
// CHECK:         nn.dense
// CHECK-NOT:     nn.batch_norm
func.func @fold_bn_into_binary_weights(%x: tensor<1x2xf32>) -> tensor<1x2xf32> {
  %w = nn.constant dense<[[1, -1], [-1, -1]]> : tensor<2x2x!nn.bin<:0, {0.5, 0.25}>>
  %wd = nn.dequantize %w : (tensor<2x2x!nn.bin<:0, {0.5, 0.25}>>) -> tensor<2x2xf32>
  %y = nn.dense %x, %wd : (tensor<1x2xf32>, tensor<2x2xf32>) -> tensor<1x2xf32>
  %g = nn.constant dense<[2.0, -2.0]> : tensor<2xf32>
  %z = nn.constant dense<0.0> : tensor<2xf32>
  %v = nn.constant dense<1.0> : tensor<2xf32>
  %b = nn.batch_norm %y, %g, %z, %z, %v {epsilon = 0.0 : f32} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  func.return %b : tensor<1x2xf32>
}
