// RUN: edgeai-opt %s --pass-pipeline=convert-kernel-to-loops --split-input-file --verify-diagnostics | filecheck %s

/// An int8 convolution with per-channel requantization: weights, bias and the per-channel
/// multipliers/shifts become constant globals; a rolled nest over (oy, ox, oc) accumulates
/// (x + input_offset) * w in i32 over the in-image taps (scf.if where padding exists), adds the
/// bias and requantizes with TFLite's MultiplyByQuantizedMultiplier (a private helper doing the
/// i64 SaturatingRoundingDoublingHighMul and the RoundingDivideByPOT), + output offset, clamp.
// CHECK:       "memref.global"() <{sym_name = "w", type = memref<2x3x3x2xi8>, initial_value = dense<1> : tensor<2x3x3x2xi8>, sym_visibility = "private", constant
// CHECK:       "memref.global"() <{sym_name = "conv_multiplier", type = memref<2xi32>, initial_value = dense<[1073741824, 1518500250]> : tensor<2xi32>
// CHECK:       "memref.global"() <{sym_name = "conv_shift", type = memref<2xi32>, initial_value = dense<[-5, -6]> : tensor<2xi32>
// CHECK-LABEL: func.func @int8_conv_requant
// CHECK-SAME:    (%x: memref<1x4x4x2xi8> {edgeai.name = "x"}, %y: memref<1x4x4x2xi8> {edgeai.name = "y"}) attributes {edgeai.num_outputs = 1 : i64}
// CHECK:         %w = memref.get_global @w : memref<2x3x3x2xi8>
// CHECK:         %[[OFF:.*]] = arith.constant 128 : i32
// CHECK:         scf.for %oy =
// CHECK-NEXT:      scf.for %ox =
// CHECK-NEXT:        scf.for %oc =
// CHECK:               %[[ACC:.*]] = scf.for %ky = {{.*}} iter_args({{.*}}) -> (i32) {
// CHECK-NEXT:            scf.for %kx = {{.*}} iter_args({{.*}}) -> (i32) {
// CHECK:                   %[[IN:.*]] = arith.andi
// CHECK-NEXT:              scf.if %[[IN]] -> (i32) {
// CHECK-NEXT:                scf.for %ic = {{.*}} iter_args(%[[A:.*]] = %{{.*}}) -> (i32) {
// CHECK-NEXT:                  %[[XV:.*]] = memref.load %x[
// CHECK-NEXT:                  %[[WV:.*]] = memref.load %w[%oc, %ky, %kx, %ic] : memref<2x3x3x2xi8>
// CHECK-NEXT:                  %[[X32:.*]] = arith.extsi %[[XV]] : i8 to i32
// CHECK-NEXT:                  %[[XO:.*]] = arith.addi %[[X32]], %[[OFF]] : i32
// CHECK-NEXT:                  %[[W32:.*]] = arith.extsi %[[WV]] : i8 to i32
// CHECK-NEXT:                  %[[P:.*]] = arith.muli %[[XO]], %[[W32]] : i32
// CHECK-NEXT:                  %{{.*}} = arith.addi %[[A]], %[[P]] : i32
// CHECK:               %[[B:.*]] = memref.load %b[%oc] : memref<2xi32>
// CHECK-NEXT:          %[[AB:.*]] = arith.addi %[[ACC]], %[[B]] : i32
// CHECK:               %[[Q:.*]] = func.call @edgeai_fp_mbqm(%[[AB]], %{{.*}}, %{{.*}}) : (i32, i32, i32) -> i32
// CHECK-NEXT:          %[[Y:.*]] = arith.addi %[[Q]], %{{.*}} : i32
// CHECK-NEXT:          %[[LO:.*]] = arith.maxsi %[[Y]], %{{.*}} : i32
// CHECK-NEXT:          %[[HI:.*]] = arith.minsi %[[LO]], %{{.*}} : i32
// CHECK-NEXT:          %[[S:.*]] = arith.trunci %[[HI]] : i32 to i8
// CHECK-NEXT:          memref.store %[[S]], %y[%{{.*}}, %oy, %ox, %oc] : memref<1x4x4x2xi8>
// CHECK-LABEL: func.func private @edgeai_fp_mbqm(
// CHECK:         arith.shli
// CHECK:         func.call @edgeai_fp_srdhm(
// CHECK:         func.call @edgeai_fp_rdbpot(
// CHECK-LABEL: func.func private @edgeai_fp_srdhm(
// CHECK:         arith.extsi %{{.*}} : i32 to i64
// CHECK:         arith.muli %{{.*}}, %{{.*}} : i64
// CHECK:         arith.divsi %{{.*}}, %{{.*}} : i64
// CHECK:         arith.trunci %{{.*}} : i64 to i32
// CHECK-LABEL: func.func private @edgeai_fp_rdbpot(
// CHECK:         arith.shrsi
func.func @int8_conv_requant(%x: memref<1x4x4x2xi8> {edgeai.name = "x"}, %y: memref<1x4x4x2xi8> {edgeai.name = "y"}) attributes {edgeai.num_outputs = 1 : i64} {
  %w = kernel.constant dense<1> : memref<2x3x3x2xi8>
  %b = kernel.constant dense<[100, -100]> : memref<2xi32>
  kernel.conv2d %x, %w, %b, %y {layer = "conv", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64, input_offset = 128 : i64, output_offset = -128 : i64, output_multiplier = array<i32: 1073741824, 1518500250>, output_shift = array<i32: -5, -6>, qmin = -128 : i64, qmax = 127 : i64} : memref<1x4x4x2xi8>, memref<2x3x3x2xi8>, memref<2xi32>, memref<1x4x4x2xi8>
  func.return
}

// -----

/// A planned buffer is a memref.view at its offset into one byte global per pool; mem.view is a
/// reinterpret_cast; a float clamp is maximumf/minimumf; a copy is one flat loop.
// CHECK:       "memref.global"() <{sym_name = "planned_buffers_arena", type = memref<128xi8>, initial_value, sym_visibility = "private"
// CHECK-LABEL: func.func @planned_buffers
// CHECK:         %[[ARENA:.*]] = memref.get_global @planned_buffers_arena : memref<128xi8>
// CHECK-NEXT:    %[[AT:.*]] = arith.constant 64 : index
// CHECK-NEXT:    %t = memref.view %[[ARENA]][%[[AT]]][] : memref<128xi8> to memref<1x2x2x4xf32>
// CHECK:         %[[MX:.*]] = arith.maximumf %{{.*}}, %{{.*}} : f32
// CHECK-NEXT:    %[[MN:.*]] = arith.minimumf %[[MX]], %{{.*}} : f32
// CHECK-NEXT:    memref.store %[[MN]], %t[
// CHECK:         %v = memref.reinterpret_cast %t to offset: [0], sizes: [1, 16], strides: [16, 1] : memref<1x2x2x4xf32> to memref<1x16xf32>
// CHECK:         scf.for %i =
// CHECK-NEXT:      memref.load
// CHECK-NEXT:      memref.store
func.func @planned_buffers(%x: memref<1x2x2x4xf32>, %y: memref<1x16xf32>) attributes {edgeai.num_outputs = 1 : i64} {
  %t = mem.alloc {pool = "arena", offset = 64 : i64} : memref<1x2x2x4xf32>
  kernel.clamp %x, %t {fmin = 0.0 : f32, fmax = 6.0 : f32} : memref<1x2x2x4xf32>, memref<1x2x2x4xf32>
  %v = mem.view %t : memref<1x2x2x4xf32> -> memref<1x16xf32>
  kernel.copy %v, %y : memref<1x16xf32>, memref<1x16xf32>
  func.return
}

// -----

/// A float dense layer: an f32 multiply-accumulate loop, then the fused activation.
// CHECK-LABEL: func.func @float_dense
// CHECK:         scf.for %m =
// CHECK-NEXT:      scf.for %n =
// CHECK-NEXT:        %[[S:.*]] = scf.for %k = {{.*}} -> (f32) {
// CHECK:               arith.mulf
// CHECK-NEXT:          arith.addf
// CHECK:             arith.maximumf %[[S]]
func.func @float_dense(%x: memref<2x8xf32>, %y: memref<2x3xf32>) attributes {edgeai.num_outputs = 1 : i64} {
  %w = kernel.constant dense<0.5> : memref<3x8xf32>
  kernel.fully_connected %x, %w, %y {fmin = 0.0 : f32, fmax = 3.4028235e+38 : f32} : memref<2x8xf32>, memref<3x8xf32>, memref<2x3xf32>
  func.return
}

// -----

/// int8 softmax: max, sum of gemmlowp exps (Q12.19), GetReciprocal (ctlz + 1/(1+x)), outputs.
// CHECK-LABEL: func.func @int8_softmax
// CHECK:         %[[MAX:.*]] = scf.for %j = {{.*}} -> (i32) {
// CHECK:           arith.maxsi
// CHECK:         %[[SUM:.*]] = scf.for %j_1 = {{.*}} -> (i32) {
// CHECK:           func.call @edgeai_fp_exp_on_negative_values_5(
// CHECK:         %[[CLZ:.*]] = math.ctlz %[[SUM]] : i32
// CHECK:         func.call @edgeai_fp_one_over_one_plus_x(
// CHECK:         scf.for %j_2 =
// CHECK:           func.call @edgeai_fp_srdhm(
// CHECK:           memref.store
// CHECK-LABEL: func.func private @edgeai_fp_exp_on_negative_values_5(
// CHECK:         func.call @edgeai_fp_exp_interval(
// CHECK-LABEL: func.func private @edgeai_fp_one_over_one_plus_x(
func.func @int8_softmax(%x: memref<1x10xi8>, %y: memref<1x10xi8>) attributes {edgeai.num_outputs = 1 : i64} {
  kernel.softmax %x, %y {input_beta_multiplier = 1717986944 : i64, input_beta_left_shift = 23 : i64, diff_min = -248 : i64} : memref<1x10xi8>, memref<1x10xi8>
  func.return
}

// -----

/// TFLite divides by the in-image count: a window lying entirely in the padding has none.
// CHECK: convert-kernel-to-loops: 1 unsupported: layer 'pool': kernel.avg_pool2d: a pooling window lies entirely in the padding
func.func @avg_pool_in_padding(%x: memref<1x1x1x1xi8>, %y: memref<1x2x1x1xi8>) attributes {edgeai.num_outputs = 1 : i64} {
  kernel.avg_pool2d %x, %y {layer = "pool", kernel = array<i64: 1, 1>, strides = array<i64: 1, 1>, padding = array<i64: 1, 0, 0, 0>, qmin = -128 : i64, qmax = 127 : i64} : memref<1x1x1x1xi8>, memref<1x2x1x1xi8>
  func.return
}

// -----

/// The pass starts from kernels: nn ops left in a function are reported.
// CHECK: convert-kernel-to-loops: 1 unsupported: nn.relu: lower to kernels first (convert-nn-to-kernel)
func.func @nn_level(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = nn.relu %x : (tensor<4xf32>) -> tensor<4xf32>
  func.return %y : tensor<4xf32>
}
