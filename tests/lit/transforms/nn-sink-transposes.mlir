// RUN: edgeai-opt %s --pass-pipeline=nn-sink-transposes --split-input-file | filecheck %s

/// A transpose and its inverse cancel.
// CHECK-LABEL: func.func @cancel_transpose_pair
// CHECK-NEXT:    func.return %x
func.func @cancel_transpose_pair(%x: tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32> {
  %a = nn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x2x3x4xf32>) -> tensor<1x4x2x3xf32>
  %b = nn.transpose %a {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x2x3xf32>) -> tensor<1x2x3x4xf32>
  func.return %b : tensor<1x2x3x4xf32>
}

// -----

/// Two transposes compose into one.
// CHECK-LABEL: func.func @compose_transposes
// CHECK-NEXT:    %[[T:.*]] = nn.transpose %x {perm = array<i64: 2, 0, 1>} : (tensor<2x3x4xf32>) -> tensor<4x2x3xf32>
// CHECK-NEXT:    func.return %[[T]]
func.func @compose_transposes(%x: tensor<2x3x4xf32>) -> tensor<4x2x3xf32> {
  %a = nn.transpose %x {perm = array<i64: 1, 0, 2>} : (tensor<2x3x4xf32>) -> tensor<3x2x4xf32>
  %b = nn.transpose %a {perm = array<i64: 2, 1, 0>} : (tensor<3x2x4xf32>) -> tensor<4x2x3xf32>
  func.return %b : tensor<4x2x3xf32>
}

// -----

/// Identity transposes disappear; one moving only size-1 dimensions is a reshape.
// CHECK-LABEL: func.func @simplify_identity_and_unit_transpose
// CHECK-NEXT:    %[[R:.*]] = nn.reshape %x {layer = "t"} : (tensor<1x1x8x8xf32>) -> tensor<1x8x8x1xf32>
// CHECK-NEXT:    func.return %[[R]]
func.func @simplify_identity_and_unit_transpose(%x: tensor<1x1x8x8xf32>) -> tensor<1x8x8x1xf32> {
  %i = nn.transpose %x {perm = array<i64: 0, 1, 2, 3>} : (tensor<1x1x8x8xf32>) -> tensor<1x1x8x8xf32>
  %t = nn.transpose %i {layer = "t", perm = array<i64: 0, 2, 3, 1>} : (tensor<1x1x8x8xf32>) -> tensor<1x8x8x1xf32>
  func.return %t : tensor<1x8x8x1xf32>
}

// -----

/// A transpose sinks below unary ops until it meets its inverse.
// CHECK-LABEL: func.func @sink_below_unary_and_cancel
// CHECK-NEXT:    %[[R:.*]] = nn.relu %x : (tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
// CHECK-NEXT:    %[[S:.*]] = nn.sigmoid %[[R]] : (tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32>
// CHECK-NEXT:    func.return %[[S]]
func.func @sink_below_unary_and_cancel(%x: tensor<1x2x3x4xf32>) -> tensor<1x2x3x4xf32> {
  %a = nn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x2x3x4xf32>) -> tensor<1x4x2x3xf32>
  %r = nn.relu %a : (tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32>
  %s = nn.sigmoid %r : (tensor<1x4x2x3xf32>) -> tensor<1x4x2x3xf32>
  %b = nn.transpose %s {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x4x2x3xf32>) -> tensor<1x2x3x4xf32>
  func.return %b : tensor<1x2x3x4xf32>
}

// -----

/// Below a binary op with a constant, the constant is broadcast to full rank and permuted.
// CHECK-LABEL: func.func @sink_below_add_constant
// CHECK:         %[[C:.*]] = nn.constant dense<{{\[}}[{{\[}}[1.0, 2.0]]]]> : tensor<1x1x1x2xf32>
// CHECK-NEXT:    %[[A:.*]] = nn.add %x, %[[C]] : (tensor<1x3x3x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x3x3x2xf32>
// CHECK-NEXT:    func.return %[[A]]
func.func @sink_below_add_constant(%x: tensor<1x3x3x2xf32>) -> tensor<1x3x3x2xf32> {
  %c = nn.constant dense<[[[1.0]], [[2.0]]]> : tensor<2x1x1xf32>
  %a = nn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x3x3x2xf32>) -> tensor<1x2x3x3xf32>
  %s = nn.add %a, %c : (tensor<1x2x3x3xf32>, tensor<2x1x1xf32>) -> tensor<1x2x3x3xf32>
  %b = nn.transpose %s {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x3x3xf32>) -> tensor<1x3x3x2xf32>
  func.return %b : tensor<1x3x3x2xf32>
}

// -----

/// Two operands transposed alike: one transpose after the op instead of two before.
// CHECK-LABEL: func.func @sink_below_binary_both_transposed
// CHECK-NEXT:    %[[M:.*]] = nn.mul %x, %y : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
// CHECK-NEXT:    %[[T:.*]] = nn.transpose %[[M]] {perm = array<i64: 1, 0>}
// CHECK-NEXT:    func.return %[[T]]
func.func @sink_below_binary_both_transposed(%x: tensor<2x3xf32>, %y: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %a = nn.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %b = nn.transpose %y {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %m = nn.mul %a, %b : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  func.return %m : tensor<3x2xf32>
}

// -----

/// A per-axis quantized result keeps its channels: axis 1 after the transpose is axis 0 before.
// CHECK-LABEL: func.func @sink_below_quantize_per_axis
// CHECK-NEXT:    %[[Q:.*]] = nn.quantize %x : (tensor<2x3xf32>) -> tensor<2x3x!nn.q<i8:0, {0.5:0, 0.25:0}>>
// CHECK-NEXT:    %[[T:.*]] = nn.transpose %[[Q]] {perm = array<i64: 1, 0>} : (tensor<2x3x!nn.q<i8:0, {0.5:0, 0.25:0}>>) -> tensor<3x2x!nn.q<i8:1, {0.5:0, 0.25:0}>>
// CHECK-NEXT:    func.return %[[T]]
func.func @sink_below_quantize_per_axis(%x: tensor<2x3xf32>) -> tensor<3x2x!nn.q<i8:1, {0.5:0, 0.25:0}>> {
  %a = nn.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %q = nn.quantize %a : (tensor<3x2xf32>) -> tensor<3x2x!nn.q<i8:1, {0.5:0, 0.25:0}>>
  func.return %q : tensor<3x2x!nn.q<i8:1, {0.5:0, 0.25:0}>>
}

// -----

/// A transpose with a second user stays put (sinking would duplicate it).
// CHECK-LABEL: func.func @negative_sink_transpose_two_uses
// CHECK-NEXT:    %[[T:.*]] = nn.transpose %x
// CHECK-NEXT:    nn.relu %[[T]]
func.func @negative_sink_transpose_two_uses(%x: tensor<2x3xf32>) -> (tensor<3x2xf32>, tensor<3x2xf32>) {
  %a = nn.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %r = nn.relu %a : (tensor<3x2xf32>) -> tensor<3x2xf32>
  func.return %r, %a : tensor<3x2xf32>, tensor<3x2xf32>
}

// -----

/// The other operand is neither a constant nor transposed alike; the transposed operand is
/// broadcast; the transpose of a constant is left to nn-fold-constants.
// CHECK-LABEL: func.func @negative_sink_binary
// CHECK:         %[[A:.*]] = nn.transpose %x
// CHECK-NEXT:    nn.add %[[A]], %y
// CHECK:         %[[B:.*]] = nn.transpose %z
// CHECK-NEXT:    nn.add %[[B]], %{{.*}} : (tensor<1x2x3xf32>, tensor<4x2x3xf32>)
// CHECK:         %[[C:.*]] = nn.transpose %{{.*}} : (tensor<2x3xf32>)
// CHECK-NEXT:    nn.relu %[[C]]
func.func @negative_sink_binary(%x: tensor<2x3xf32>, %y: tensor<3x2xf32>, %z: tensor<3x2x1xf32>) -> (tensor<3x2xf32>, tensor<4x2x3xf32>, tensor<3x2xf32>) {
  %a = nn.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %s = nn.add %a, %y : (tensor<3x2xf32>, tensor<3x2xf32>) -> tensor<3x2xf32>
  %c = nn.constant dense<1.0> : tensor<4x2x3xf32>
  %b = nn.transpose %z {perm = array<i64: 2, 1, 0>} : (tensor<3x2x1xf32>) -> tensor<1x2x3xf32>
  %t = nn.add %b, %c : (tensor<1x2x3xf32>, tensor<4x2x3xf32>) -> tensor<4x2x3xf32>
  %k = nn.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]> : tensor<2x3xf32>
  %kt = nn.transpose %k {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  %u = nn.relu %kt : (tensor<3x2xf32>) -> tensor<3x2xf32>
  func.return %s, %t, %u : tensor<3x2xf32>, tensor<4x2x3xf32>, tensor<3x2xf32>
}
