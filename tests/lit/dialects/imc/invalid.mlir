// RUN: edgeai-opt %s --split-input-file --verify-diagnostics | filecheck %s

/// Every verifier message of the `imc` dialect: hand-edited IR that breaks a tile limit or
/// whose figures do not follow from its mapping fails with the mapper's own message.

/// More tiles than a cluster has.
// CHECK: layer 'conv': stripes x chains x parallel = 3x3x1 = 9 tiles > 8 per cluster
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<stripes = 3, chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// More clusters than the NPU has.
// CHECK: layer 'conv': cluster_stripes x cluster_rounds = 9 > 8 clusters
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3, cluster_stripes = 9>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// Chains too short for the kernel depth: 3x3x64 = 576 rows need 3 tiles of 256 rows at 4 bits.
// CHECK: layer 'conv': a kernel window of 576 rows {{.*}}needs 3 chained tiles at 4 bits, chains=2
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 2>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// Split in 3 depth blocks of 192 rows, the same layer fits one tile per block.
// CHECK: layer 'conv': #imc.tile rows_used = 576 does not match the mapping on these tiles (192)
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 1, depth_splits = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// Depth splits that leave the last block empty.
// CHECK: layer 'conv': depth_splits=575: the last of blocks of 2 rows is empty
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<depth_splits = 575>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// The same layer fits in 2 chained tiles at 2 bits (512 rows per tile): the figures then say so.
// CHECK: layer 'conv': #imc.tile w_bits = 4 does not match the mapping on these tiles (2)
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i2, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 2>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i2, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// A derived figure that does not follow from the mapping.
// CHECK: layer 'conv': #imc.tile rows_used = 500 does not match the mapping on these tiles (576)
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 500, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// Partial sums are accumulated as soon as a chain has more than one tile.
// CHECK: layer 'conv': #imc.tile psum = false does not match the mapping on these tiles (true)
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = false, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// The output unit's function follows from the result type and the activation.
// CHECK: layer 'conv': #imc.tile output = requantize does not match the mapping on these tiles (requantize+relu)
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, act = #nn.act<relu>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// Kernel copies beyond the output width.
// CHECK: layer 'conv': copies=9 > 8 output columns
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3, copies = 9>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// Tile limits that make no target.
// CHECK: layer 'conv': #imc.tile limits: imc target dimc-18nm: layer_max_bits < tile_max_bits
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 2, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// 16-bit weights are beyond the NPU.
// CHECK: layer 'conv': w_bits=16: the NPU takes 1..8
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i16, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i16, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// Asymmetric weights.
// CHECK: layer 'conv': weights must be symmetric (zero points 0), got !nn.q<i4, 0.1:2>
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:2>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:2>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// Binary features need binary weights.
// CHECK: layer 'conv': !nn.bin features need !nn.bin weights
func.func @f(%x: tensor<1x8x8x64x!nn.bin>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.bin>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// Float layers stay on the host.
// CHECK: layer 'conv': features must be !nn.q or !nn.bin, got f32
func.func @f(%x: tensor<1x8x8x64xf32>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64xf32>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// An accumulator result has no activation.
// CHECK: layer 'conv': an accumulator (integer) result cannot carry an activation
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16xi32> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "accumulate">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, act = #nn.act<relu>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16xi32>
  func.return %y : tensor<1x8x8x16xi32>
}

// -----

/// Unknown kind.
// CHECK: imc.layer kind 'pool' is not one of conv2d, depthwise, dense
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "pool", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// A convolution needs its window properties.
// CHECK: layer 'conv': a conv2d layer needs padding
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x6x6x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x6x6x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x6x6x16x!nn.q<u4, 0.1:0>>
}

// -----

/// A result shape that does not follow from the window.
// CHECK: result #0 has shape 1x8x8x16, expected 1x6x6x16
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// Mapping fields are positive.
// CHECK: #imc.mapping stripes must be >= 1, got 0
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<stripes = 0, chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// The output unit requantizes, accumulates or applies an activation it knows.
// CHECK: #imc.tile output 'softmax' is not one of accumulate, requantize, requantize+relu, requantize+relu6, requantize+clamp
func.func @f(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "softmax">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
}

// -----

/// The schedule lists the layers and host ops in the function's order.
// CHECK: imc.schedule steps [host pool, imc conv] do not match the order of @main [imc conv, host pool]
func.func @main(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x4x4x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, cost = {cycles_1cluster = 700 : i64, cycles_all_clusters = 90 : i64}}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  %p = nn.max_pool2d %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>,
      padding = array<i64: 0, 0, 0, 0>, layer = "pool", imc.host = "pooling"} : (tensor<1x8x8x16x!nn.q<u4, 0.1:0>>) -> tensor<1x4x4x16x!nn.q<u4, 0.1:0>>
  func.return %p : tensor<1x4x4x16x!nn.q<u4, 0.1:0>>
}
imc.schedule @main {target = "dimc-18nm", steps = [#imc.step<host "pool">, #imc.step<imc "conv">], totals = {cycles_all_clusters = 90 : i64}}

// -----

/// Every op that is not on the tiles says why.
// CHECK: imc.schedule: 'nn.max_pool2d' (pool) is neither an imc.layer nor marked imc.host = "<reason>"
func.func @main(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x4x4x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, cost = {cycles_1cluster = 700 : i64, cycles_all_clusters = 90 : i64}}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  %p = nn.max_pool2d %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>,
      padding = array<i64: 0, 0, 0, 0>, layer = "pool"} : (tensor<1x8x8x16x!nn.q<u4, 0.1:0>>) -> tensor<1x4x4x16x!nn.q<u4, 0.1:0>>
  func.return %p : tensor<1x4x4x16x!nn.q<u4, 0.1:0>>
}
imc.schedule @main {target = "dimc-18nm", steps = [#imc.step<imc "conv">, #imc.step<host "pool">], totals = {cycles_all_clusters = 90 : i64}}

// -----

/// Totals are the sums of the layers' costs.
// CHECK: imc.schedule total cycles_all_clusters = 91 is not the sum of the layers' cycles_all_clusters (90)
func.func @main(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x4x4x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, cost = {cycles_1cluster = 700 : i64, cycles_all_clusters = 90 : i64}}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  %p = nn.max_pool2d %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>,
      padding = array<i64: 0, 0, 0, 0>, layer = "pool", imc.host = "pooling"} : (tensor<1x8x8x16x!nn.q<u4, 0.1:0>>) -> tensor<1x4x4x16x!nn.q<u4, 0.1:0>>
  func.return %p : tensor<1x4x4x16x!nn.q<u4, 0.1:0>>
}
imc.schedule @main {target = "dimc-18nm", steps = [#imc.step<imc "conv">, #imc.step<host "pool">], totals = {cycles_all_clusters = 91 : i64}}

// -----

/// With a preset target, the layers were mapped under its tile limits.
// CHECK: imc.schedule: layer 'conv' was mapped with columns_per_tile = 64, target dimc-18nm has 32
func.func @main(%x: tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, %w: tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x4x4x16x!nn.q<u4, 0.1:0>> {
  %y = imc.layer %x, %w {kind = "conv2d", layer = "conv", mapping = #imc.mapping<chains = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 64, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 576, columns_used = 16, kernel_rounds = 1, weight_bytes = 4608, psum = true, output = "requantize">, strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, cost = {cycles_1cluster = 700 : i64, cycles_all_clusters = 90 : i64}}
      : (tensor<1x8x8x64x!nn.q<u4, 0.05:0>>, tensor<16x3x3x64x!nn.q<i4, 0.1:0>>) -> tensor<1x8x8x16x!nn.q<u4, 0.1:0>>
  %p = nn.max_pool2d %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>,
      padding = array<i64: 0, 0, 0, 0>, layer = "pool", imc.host = "pooling"} : (tensor<1x8x8x16x!nn.q<u4, 0.1:0>>) -> tensor<1x4x4x16x!nn.q<u4, 0.1:0>>
  func.return %p : tensor<1x4x4x16x!nn.q<u4, 0.1:0>>
}
imc.schedule @main {target = "dimc-18nm", steps = [#imc.step<imc "conv">, #imc.step<host "pool">], totals = {cycles_all_clusters = 90 : i64}}
