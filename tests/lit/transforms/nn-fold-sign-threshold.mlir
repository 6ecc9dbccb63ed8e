// RUN: edgeai-opt %s --pass-pipeline=nn-fold-sign-threshold --split-input-file | filecheck %s

/// dense of dequantized binary values -> xnor-popcount dense into i32; batch norm + sign ->
/// integer thresholds: (acc - 1) * 1 + 0.5 >= 0 <=> acc >= 1; -acc >= 0 <=> acc <= 0.
// CHECK-LABEL: func.func @fold_bn_sign_after_binary_dense
// CHECK:         %[[Y:.*]] = nn.dense %x, %w {layer = "fc"} : (tensor<1x4x!nn.bin>, tensor<2x4x!nn.bin>) -> tensor<1x2xi32>
// CHECK:         %[[T:.*]] = nn.constant dense<[1, 0]> : tensor<2xi32>
// CHECK:         %[[S:.*]] = nn.threshold %[[Y]], %[[T]] {layer = "sign", direction = array<i8: 1, -1>}
// CHECK-NOT:     nn.batch_norm
// CHECK-NOT:     nn.dequantize
// CHECK:         func.return %[[S]]
func.func @fold_bn_sign_after_binary_dense(%x: tensor<1x4x!nn.bin>) -> tensor<1x2x!nn.bin> {
  %xf = nn.dequantize %x : (tensor<1x4x!nn.bin>) -> tensor<1x4xf32>
  %w = nn.constant dense<[[1, -1, 1, 1], [-1, -1, 1, -1]]> : tensor<2x4x!nn.bin>
  %wf = nn.dequantize %w : (tensor<2x4x!nn.bin>) -> tensor<2x4xf32>
  %y = nn.dense %xf, %wf {layer = "fc"} : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  %g = nn.constant dense<[1.0, -1.0]> : tensor<2xf32>
  %be = nn.constant dense<[0.5, 0.0]> : tensor<2xf32>
  %m = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %v = nn.constant dense<[1.0, 1.0]> : tensor<2xf32>
  %z = nn.batch_norm %y, %g, %be, %m, %v {layer = "bn", epsilon = 0.0 : f32} : (tensor<1x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %s = nn.quantize %z {layer = "sign"} : (tensor<1x2xf32>) -> tensor<1x2x!nn.bin>
  func.return %s : tensor<1x2x!nn.bin>
}

// -----

/// The mul/add form (a batch norm after nn-fold-batchnorm): 0.25 acc + 0.3 >= 0 <=> acc >= -1,
/// -3 acc + 2.5 >= 0 <=> acc <= 0.
// CHECK-LABEL: func.func @fold_mul_add_sign
// CHECK:         nn.constant dense<[-1, 0]> : tensor<2xi32>
// CHECK:         nn.threshold %{{.*}}, %{{.*}} {direction = array<i8: 1, -1>}
// CHECK-NOT:     nn.mul
// CHECK-NOT:     nn.add
func.func @fold_mul_add_sign(%x: tensor<1x4x!nn.bin>) -> tensor<1x2x!nn.bin> {
  %xf = nn.dequantize %x : (tensor<1x4x!nn.bin>) -> tensor<1x4xf32>
  %w = nn.constant dense<1> : tensor<2x4x!nn.bin>
  %wf = nn.dequantize %w : (tensor<2x4x!nn.bin>) -> tensor<2x4xf32>
  %y = nn.dense %xf, %wf : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  %a = nn.constant dense<[[0.25, -3.0]]> : tensor<1x2xf32>
  %b = nn.constant dense<[[0.3, 2.5]]> : tensor<1x2xf32>
  %ya = nn.mul %y, %a : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %yb = nn.add %ya, %b : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %s = nn.quantize %yb : (tensor<1x2xf32>) -> tensor<1x2x!nn.bin>
  func.return %s : tensor<1x2x!nn.bin>
}

// -----

/// alpha_x * alpha_w = [0.25, 1.0] (powers of two): the integer count scaled by a per-channel
/// !nn.q<i32> dequantize (exact).
// CHECK-LABEL: func.func @binary_product_scaled
// CHECK:         %[[Y:.*]] = nn.dense %x, %w : (tensor<1x4x!nn.bin<0.5>>, tensor<2x4x!nn.bin<:0, {0.5, 2.0}>>) -> tensor<1x2xi32>
// CHECK:         %[[Q:.*]] = nn.storage_cast %[[Y]] : (tensor<1x2xi32>) -> tensor<1x2x!nn.q<i32:1, {0.25:0, 1.0:0}>>
// CHECK:         nn.dequantize %[[Q]]
func.func @binary_product_scaled(%x: tensor<1x4x!nn.bin<0.5>>) -> tensor<1x2xf32> {
  %xf = nn.dequantize %x : (tensor<1x4x!nn.bin<0.5>>) -> tensor<1x4xf32>
  %w = nn.constant dense<1> : tensor<2x4x!nn.bin<:0, {0.5, 2.0}>>
  %wf = nn.dequantize %w : (tensor<2x4x!nn.bin<:0, {0.5, 2.0}>>) -> tensor<2x4xf32>
  %y = nn.dense %xf, %wf : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}

// -----

/// alpha 0.3: float partial sums of +-0.3 round, so the float dense stays.
// CHECK-LABEL: func.func @negative_alpha_not_power_of_two
// CHECK:         nn.dense %xf, %wf : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
func.func @negative_alpha_not_power_of_two(%x: tensor<1x4x!nn.bin<0.3>>) -> tensor<1x2xf32> {
  %xf = nn.dequantize %x : (tensor<1x4x!nn.bin<0.3>>) -> tensor<1x4xf32>
  %w = nn.constant dense<1> : tensor<2x4x!nn.bin>
  %wf = nn.dequantize %w : (tensor<2x4x!nn.bin>) -> tensor<2x4xf32>
  %y = nn.dense %xf, %wf : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}

// -----

/// sign(2 / acc - 1) is +1 for acc in [0, 2] only: not a threshold, nothing folds.
// CHECK-LABEL: func.func @negative_sign_not_a_threshold
// CHECK-NOT:     nn.threshold
// CHECK:         nn.quantize %d
func.func @negative_sign_not_a_threshold(%acc: tensor<1x2xi8>) -> tensor<1x2x!nn.bin> {
  %f = nn.dequantize %acc : (tensor<1x2xi8>) -> tensor<1x2xf32>
  %c = nn.constant dense<2.0> : tensor<2xf32>
  %r = nn.div %c, %f : (tensor<2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %one = nn.constant dense<1.0> : tensor<2xf32>
  %d = nn.sub %r, %one : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %s = nn.quantize %d : (tensor<1x2xf32>) -> tensor<1x2x!nn.bin>
  func.return %s : tensor<1x2x!nn.bin>
}

// -----

/// Without a known producer the storage range (i8) is enumerated: c - acc >= 0 <=> acc <= c.
// CHECK-LABEL: func.func @fold_storage_range_i8
// CHECK:         %[[T:.*]] = nn.constant dense<[-1, 1]> : tensor<2xi32>
// CHECK:         nn.threshold %acc, %[[T]] {direction = array<i8: -1, -1>} : (tensor<1x2xi8>, tensor<2xi32>) -> tensor<1x2x!nn.bin>
func.func @fold_storage_range_i8(%acc: tensor<1x2xi8>) -> tensor<1x2x!nn.bin> {
  %f = nn.dequantize %acc : (tensor<1x2xi8>) -> tensor<1x2xf32>
  %c = nn.constant dense<[-0.5, 1.5]> : tensor<2xf32>
  %d = nn.sub %c, %f : (tensor<2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %s = nn.quantize %d : (tensor<1x2xf32>) -> tensor<1x2x!nn.bin>
  func.return %s : tensor<1x2x!nn.bin>
}

// -----

/// A float value (no integer accumulator) keeps its quantize.
// CHECK-LABEL: func.func @negative_float_input
// CHECK-NOT:     nn.threshold
// CHECK:         nn.quantize %y
func.func @negative_float_input(%x: tensor<1x2xf32>) -> tensor<1x2x!nn.bin> {
  %g = nn.constant dense<[2.0, 3.0]> : tensor<2xf32>
  %y = nn.mul %x, %g : (tensor<1x2xf32>, tensor<2xf32>) -> tensor<1x2xf32>
  %s = nn.quantize %y : (tensor<1x2xf32>) -> tensor<1x2x!nn.bin>
  func.return %s : tensor<1x2x!nn.bin>
}

// -----

/// With scaled binary values the accumulator reaches the chain through !nn.q<i32, p:0>; the
/// threshold reads the i32 count (0.25 acc + 0.3 >= 0 <=> acc >= -1; -acc + 0.5 >= 0 <=> acc <= 0).
// CHECK-LABEL: func.func @fold_through_scaled_accumulator
// CHECK:         %[[Y:.*]] = nn.dense %x, %w : (tensor<1x4x!nn.bin<0.5>>, tensor<2x4x!nn.bin<:0, {0.5, 2.0}>>) -> tensor<1x2xi32>
// CHECK:         %[[T:.*]] = nn.constant dense<[-1, 0]> : tensor<2xi32>
// CHECK:         nn.threshold %[[Y]], %[[T]] {direction = array<i8: 1, -1>}
// CHECK-NOT:     nn.storage_cast
func.func @fold_through_scaled_accumulator(%x: tensor<1x4x!nn.bin<0.5>>) -> tensor<1x2x!nn.bin> {
  %xf = nn.dequantize %x : (tensor<1x4x!nn.bin<0.5>>) -> tensor<1x4xf32>
  %w = nn.constant dense<[[1, -1, 1, 1], [-1, -1, 1, -1]]> : tensor<2x4x!nn.bin<:0, {0.5, 2.0}>>
  %wf = nn.dequantize %w : (tensor<2x4x!nn.bin<:0, {0.5, 2.0}>>) -> tensor<2x4xf32>
  %y = nn.dense %xf, %wf : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  %a = nn.constant dense<[[1.0, -1.0]]> : tensor<1x2xf32>
  %b = nn.constant dense<[[0.3, 0.5]]> : tensor<1x2xf32>
  %ya = nn.mul %y, %a : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %yb = nn.add %ya, %b : (tensor<1x2xf32>, tensor<1x2xf32>) -> tensor<1x2xf32>
  %s = nn.quantize %yb : (tensor<1x2xf32>) -> tensor<1x2x!nn.bin>
  func.return %s : tensor<1x2x!nn.bin>
}
