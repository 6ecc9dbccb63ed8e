// RUN: edgeai-opt %s --pass-pipeline=nn-fold-constants --split-input-file | filecheck %s

/// A transpose of a constant is evaluated at compile time.
// CHECK-LABEL: func.func @fold_transpose_of_constant
// CHECK-NEXT:    %[[C:.*]] = nn.constant dense<{{\[}}[1.0, 3.0], [2.0, 4.0]]> : tensor<2x2xf32>
// CHECK-NEXT:    func.return %[[C]]
func.func @fold_transpose_of_constant() -> tensor<2x2xf32> {
  %c = nn.constant dense<[[1.0, 2.0], [3.0, 4.0]]> : tensor<2x2xf32>
  %t = nn.transpose %c {perm = array<i64: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  func.return %t : tensor<2x2xf32>
}

// -----

/// Chains fold completely; a constant still used elsewhere stays.
// CHECK-LABEL: func.func @fold_chain_shared_operand
// CHECK-DAG:     %[[A:.*]] = nn.constant dense<[1.0, -2.0]> : tensor<2xf32>
// CHECK-DAG:     %[[S:.*]] = nn.constant dense<[2.0, 0.0]> : tensor<2xf32>
// CHECK-NOT:     nn.relu
// CHECK:         nn.add %x, %[[A]]
// CHECK:         func.return %[[S]], %{{.*}}
func.func @fold_chain_shared_operand(%x: tensor<2xf32>) -> (tensor<2xf32>, tensor<2xf32>) {
  %a = nn.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %r = nn.relu %a : (tensor<2xf32>) -> tensor<2xf32>
  %s = nn.add %r, %r : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  %y = nn.add %x, %a : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  func.return %s, %y : tensor<2xf32>, tensor<2xf32>
}

// -----

/// Multi-result ops fold into one constant per result.
// CHECK-LABEL: func.func @fold_split
// CHECK-NEXT:    %[[A:.*]] = nn.constant dense<[1, 2]> : tensor<2xi32>
// CHECK-NEXT:    %[[B:.*]] = nn.constant dense<3> : tensor<1xi32>
// CHECK-NEXT:    func.return %[[A]], %[[B]]
func.func @fold_split() -> (tensor<2xi32>, tensor<1xi32>) {
  %c = nn.constant dense<[1, 2, 3]> : tensor<3xi32>
  %a, %b = nn.split %c {axis = 0 : i64} : (tensor<3xi32>) -> (tensor<2xi32>, tensor<1xi32>)
  func.return %a, %b : tensor<2xi32>, tensor<1xi32>
}

// -----

/// Quantizing a constant gives a quantized constant (stored integers).
// CHECK-LABEL: func.func @fold_quantize
// CHECK-NEXT:    %[[Q:.*]] = nn.constant dense<[2, -4]> : tensor<2x!nn.q<i8, 0.5:0>>
// CHECK-NEXT:    func.return %[[Q]]
func.func @fold_quantize() -> tensor<2x!nn.q<i8, 0.5:0>> {
  %c = nn.constant dense<[1.0, -2.0]> : tensor<2xf32>
  %q = nn.quantize %c : (tensor<2xf32>) -> tensor<2x!nn.q<i8, 0.5:0>>
  func.return %q : tensor<2x!nn.q<i8, 0.5:0>>
}

// -----

/// A weight transpose after a dequantize moves onto the quantized constant: the per-axis
/// quantization axis 1 follows the permutation to axis 0, and the dequantize stays.
// CHECK-LABEL: func.func @fold_transpose_through_dequantize
// CHECK-NEXT:    %[[W:.*]] = nn.constant dense<{{\[}}[1, 3], [2, 4]]> : tensor<2x2x!nn.q<i8:0, {0.5:0, 0.25:0}>>
// CHECK-NEXT:    %[[D:.*]] = nn.dequantize %[[W]] {{.*}}: (tensor<2x2x!nn.q<i8:0, {0.5:0, 0.25:0}>>) -> tensor<2x2xf32>
// CHECK-NEXT:    func.return %[[D]]
func.func @fold_transpose_through_dequantize() -> tensor<2x2xf32> {
  %w = nn.constant dense<[[1, 2], [3, 4]]> : tensor<2x2x!nn.q<i8:1, {0.5:0, 0.25:0}>>
  %d = nn.dequantize %w {layer = "w"} : (tensor<2x2x!nn.q<i8:1, {0.5:0, 0.25:0}>>) -> tensor<2x2xf32>
  %t = nn.transpose %d {perm = array<i64: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  func.return %t : tensor<2x2xf32>
}

// -----

/// Never fold a dequantize: quantized weights stay typed.
// CHECK-LABEL: func.func @negative_fold_dequantize
// CHECK:         nn.dequantize
func.func @negative_fold_dequantize() -> tensor<2xf32> {
  %w = nn.constant dense<[1, 2]> : tensor<2x!nn.q<i8, 0.5:0>>
  %d = nn.dequantize %w : (tensor<2x!nn.q<i8, 0.5:0>>) -> tensor<2xf32>
  func.return %d : tensor<2xf32>
}

// -----

/// Results larger than max-elements stay computed at run time.
// CHECK-LABEL: func.func @negative_fold_too_large
// CHECK:         nn.pad
func.func @negative_fold_too_large() -> tensor<2048x1024xf32> {
  %c = nn.constant dense<1.0> : tensor<1x1xf32>
  %p = nn.pad %c {pads = array<i64: 0, 0, 2047, 1023>, mode = "constant", value = 0.0 : f32} : (tensor<1x1xf32>) -> tensor<2048x1024xf32>
  func.return %p : tensor<2048x1024xf32>
}

// -----

/// Ops with a non-constant operand are not folded.
// CHECK-LABEL: func.func @negative_fold_non_constant
// CHECK:         nn.add %x, %{{.*}}
func.func @negative_fold_non_constant(%x: tensor<2xf32>) -> tensor<2xf32> {
  %c = nn.constant dense<1.0> : tensor<2xf32>
  %y = nn.add %x, %c : (tensor<2xf32>, tensor<2xf32>) -> tensor<2xf32>
  func.return %y : tensor<2xf32>
}

// -----

/// A dequantized weight with a second user stays: moving the transpose would duplicate it.
// CHECK-LABEL: func.func @negative_fold_transpose_shared_dequantize
// CHECK:         %[[D:.*]] = nn.dequantize
// CHECK-NEXT:    nn.transpose %[[D]]
func.func @negative_fold_transpose_shared_dequantize() -> (tensor<2x2xf32>, tensor<2x2xf32>) {
  %w = nn.constant dense<[[1, 2], [3, 4]]> : tensor<2x2x!nn.q<i8, 0.5:0>>
  %d = nn.dequantize %w : (tensor<2x2x!nn.q<i8, 0.5:0>>) -> tensor<2x2xf32>
  %t = nn.transpose %d {perm = array<i64: 1, 0>} : (tensor<2x2xf32>) -> tensor<2x2xf32>
  func.return %t, %d : tensor<2x2xf32>, tensor<2x2xf32>
}
