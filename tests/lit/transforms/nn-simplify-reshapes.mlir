// RUN: edgeai-opt %s --pass-pipeline=nn-simplify-reshapes --split-input-file | filecheck %s

/// A chain of reshapes is one reshape.
// CHECK-LABEL: func.func @reshape_of_reshape
// CHECK-NEXT:    %[[R:.*]] = nn.reshape %x {layer = "b"} : (tensor<2x6xf32>) -> tensor<3x4xf32>
// CHECK-NEXT:    func.return %[[R]]
func.func @reshape_of_reshape(%x: tensor<2x6xf32>) -> tensor<3x4xf32> {
  %a = nn.reshape %x {layer = "a"} : (tensor<2x6xf32>) -> tensor<12xf32>
  %b = nn.reshape %a {layer = "b"} : (tensor<12xf32>) -> tensor<3x4xf32>
  func.return %b : tensor<3x4xf32>
}

// -----

/// A chain back to the original shape, and a reshape to the same type, vanish.
// CHECK-LABEL: func.func @reshape_round_trip
// CHECK-NEXT:    func.return %x, %x
func.func @reshape_round_trip(%x: tensor<2x6xf32>) -> (tensor<2x6xf32>, tensor<2x6xf32>) {
  %a = nn.reshape %x : (tensor<2x6xf32>) -> tensor<12xf32>
  %b = nn.reshape %a : (tensor<12xf32>) -> tensor<2x6xf32>
  %c = nn.reshape %x : (tensor<2x6xf32>) -> tensor<2x6xf32>
  func.return %b, %c : tensor<2x6xf32>, tensor<2x6xf32>
}

// -----

/// A reshape of a constant is a constant of the new shape (quantized storage kept).
// CHECK-LABEL: func.func @reshape_of_constant
// CHECK-NEXT:    %[[C:.*]] = nn.constant dense<{{\[}}[1, 2], [3, 4]]> : tensor<2x2x!nn.q<i8, 0.5:0>>
// CHECK-NEXT:    func.return %[[C]]
func.func @reshape_of_constant() -> tensor<2x2x!nn.q<i8, 0.5:0>> {
  %c = nn.constant dense<[1, 2, 3, 4]> : tensor<4x!nn.q<i8, 0.5:0>>
  %r = nn.reshape %c : (tensor<4x!nn.q<i8, 0.5:0>>) -> tensor<2x2x!nn.q<i8, 0.5:0>>
  func.return %r : tensor<2x2x!nn.q<i8, 0.5:0>>
}

// -----

/// A transpose that only moves size-1 dimensions keeps the element order: a reshape.
// CHECK-LABEL: func.func @transpose_to_reshape
// CHECK-NEXT:    %[[R:.*]] = nn.reshape %x {layer = "in"} : (tensor<1x1x8x8xf32>) -> tensor<1x8x8x1xf32>
// CHECK-NEXT:    func.return %[[R]]
func.func @transpose_to_reshape(%x: tensor<1x1x8x8xf32>) -> tensor<1x8x8x1xf32> {
  %t = nn.transpose %x {layer = "in", perm = array<i64: 0, 2, 3, 1>} : (tensor<1x1x8x8xf32>) -> tensor<1x8x8x1xf32>
  func.return %t : tensor<1x8x8x1xf32>
}

// -----

/// A transpose that reorders non-unit dimensions stays.
// CHECK-LABEL: func.func @negative_transpose_reorders
// CHECK-NEXT:    nn.transpose
func.func @negative_transpose_reorders(%x: tensor<1x2x8x8xf32>) -> tensor<1x8x8x2xf32> {
  %t = nn.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x8x8xf32>) -> tensor<1x8x8x2xf32>
  func.return %t : tensor<1x8x8x2xf32>
}

// -----

/// A reshape that changes the shape of a computed value is needed.
// CHECK-LABEL: func.func @negative_reshape_needed
// CHECK-NEXT:    nn.relu
// CHECK-NEXT:    nn.reshape
func.func @negative_reshape_needed(%x: tensor<2x6xf32>) -> tensor<12xf32> {
  %r = nn.relu %x : (tensor<2x6xf32>) -> tensor<2x6xf32>
  %a = nn.reshape %r : (tensor<2x6xf32>) -> tensor<12xf32>
  func.return %a : tensor<12xf32>
}

// -----

/// Order-preserving, but the size-1 quantization axis moves where a reshape cannot say.
// CHECK-LABEL: func.func @negative_transpose_moves_quant_axis
// CHECK-NEXT:    nn.transpose
func.func @negative_transpose_moves_quant_axis(%x: tensor<2x1x!nn.q<i8:1, {0.5:0}>>) -> tensor<1x2x!nn.q<i8:0, {0.5:0}>> {
  %t = nn.transpose %x {perm = array<i64: 1, 0>} : (tensor<2x1x!nn.q<i8:1, {0.5:0}>>) -> tensor<1x2x!nn.q<i8:0, {0.5:0}>>
  func.return %t : tensor<1x2x!nn.q<i8:0, {0.5:0}>>
}

// -----

/// A reinterpretation between two reshapes moves up so the reshapes cancel.
// CHECK-LABEL: func.func @storage_cast_between_reshapes
// CHECK-NEXT:    %[[C:.*]] = nn.storage_cast %x : (tensor<1x4x2xi8>) -> tensor<1x4x2x!nn.q<i8, 0.5:1>>
// CHECK-NEXT:    func.return %[[C]]
func.func @storage_cast_between_reshapes(%x: tensor<1x4x2xi8>) -> tensor<1x4x2x!nn.q<i8, 0.5:1>> {
  %0 = nn.reshape %x : (tensor<1x4x2xi8>) -> tensor<8xi8>
  %1 = nn.storage_cast %0 : (tensor<8xi8>) -> tensor<8x!nn.q<i8, 0.5:1>>
  %2 = nn.reshape %1 : (tensor<8x!nn.q<i8, 0.5:1>>) -> tensor<1x4x2x!nn.q<i8, 0.5:1>>
  func.return %2 : tensor<1x4x2x!nn.q<i8, 0.5:1>>
}
