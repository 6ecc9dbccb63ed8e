// RUN: edgeai-opt %s --split-input-file | filecheck %s
// RUN: edgeai-opt %s --split-input-file --print-op-generic | edgeai-opt --split-input-file | filecheck %s

/// The `imc` dialect prints in its custom form and parses back unchanged (also through the
/// generic form): imc.layer with its #imc.mapping and #imc.tile, host ops marked imc.host,
/// the imc.schedule with its #imc.step order and totals.

// CHECK-LABEL: func.func @main
// CHECK:         %y = imc.layer %x, %w, %b {layer = "conv1", kind = "conv2d",
// CHECK-SAME:      mapping = #imc.mapping<stripes = 2, chains = 2, parallel = 1, copies = 2, cluster_stripes = 4, cluster_rounds = 1>,
// CHECK-SAME:      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024, tile_max_bits = 4, layer_max_bits = 8,
// CHECK-SAME:        w_bits = 4, a_bits = 4, tile_w_bits = 4, tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 192, columns_used = 32,
// CHECK-SAME:        kernel_rounds = 2, weight_bytes = 4608, psum = true, output = "requantize+relu">,
// CHECK-SAME:      strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, act = #nn.act<relu>,
// CHECK-SAME:      cost = {cycles_1cluster = 1000 : i64, cycles_all_clusters = 250 : i64}}
// CHECK-SAME:      : (tensor<1x8x8x16x!nn.q<u4, 0.05:0>>, tensor<24x3x3x16x!nn.q<i4, 0.1:0>>, tensor<24xi32>) -> tensor<1x8x8x24x!nn.q<u4, 0.1:0>>
// CHECK-NEXT:    %p = nn.max_pool2d %y {layer = "pool1", imc.host = "pooling stays on the Cortex-M"
// CHECK:       imc.schedule @main {target = "dimc-18nm", steps = [#imc.step<imc "conv1">, #imc.step<host "pool1">],
// CHECK-SAME:    totals = {cycles_1cluster = 1000 : i64, cycles_all_clusters = 250 : i64, inferences_per_s = 2400000.0 : f64}}
func.func @main(%x: tensor<1x8x8x16x!nn.q<u4, 0.05:0>>) -> tensor<1x4x4x24x!nn.q<u4, 0.1:0>> {
  %w = nn.constant dense<1> : tensor<24x3x3x16x!nn.q<i4, 0.1:0>>
  %b = nn.constant dense<-3> : tensor<24xi32>
  %y = imc.layer %x, %w, %b {layer = "conv1", kind = "conv2d",
      mapping = #imc.mapping<stripes = 2, chains = 2, copies = 2, cluster_stripes = 4>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024,
                       tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4,
                       tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 192, columns_used = 32,
                       kernel_rounds = 2, weight_bytes = 4608, psum = true, output = "requantize+relu">,
      strides = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, act = #nn.act<relu>,
      cost = {cycles_1cluster = 1000 : i64, cycles_all_clusters = 250 : i64}}
      : (tensor<1x8x8x16x!nn.q<u4, 0.05:0>>, tensor<24x3x3x16x!nn.q<i4, 0.1:0>>, tensor<24xi32>) -> tensor<1x8x8x24x!nn.q<u4, 0.1:0>>
  %p = nn.max_pool2d %y {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>,
      padding = array<i64: 0, 0, 0, 0>, layer = "pool1", imc.host = "pooling stays on the Cortex-M"}
      : (tensor<1x8x8x24x!nn.q<u4, 0.1:0>>) -> tensor<1x4x4x24x!nn.q<u4, 0.1:0>>
  func.return %p : tensor<1x4x4x24x!nn.q<u4, 0.1:0>>
}
imc.schedule @main {target = "dimc-18nm", steps = [#imc.step<imc "conv1">, #imc.step<host "pool1">],
    totals = {cycles_1cluster = 1000 : i64, cycles_all_clusters = 250 : i64, inferences_per_s = 2400000.0 : f64}}

// -----

/// 8-bit depthwise: two weight slices and two feature passes on 4-bit tiles, three shifted
/// kernel copies (stride 2: a window 7 columns wide), per-channel weights, ONNX rounding.

// CHECK-LABEL: func.func @depthwise_8bit
// CHECK:         imc.layer %x, %w {layer = "dw", kind = "depthwise",
// CHECK-SAME:      mapping = #imc.mapping<stripes = 3, chains = 1, parallel = 1, copies = 3, cluster_stripes = 1, cluster_rounds = 1>,
// CHECK-SAME:      w_bits = 8, a_bits = 8, tile_w_bits = 4, tile_a_bits = 4, w_slices = 2, a_passes = 2, rows_used = 105, columns_used = 30,
// CHECK-SAME:      kernel_rounds = 2, weight_bytes = 2142, psum = true, output = "requantize+clamp">,
// CHECK-SAME:      strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 1, 1>, act = #nn.act<clamp -1.0, 1.0>, rounding = "onnx"}
func.func @depthwise_8bit(%x: tensor<1x6x6x8x!nn.q<u8, 0.05:128>>) -> tensor<1x3x3x8x!nn.q<i8, 0.1:0>> {
  %w = nn.constant dense<7> : tensor<1x3x3x8x!nn.q<i8:3, {0.1:0, 0.1:0, 0.1:0, 0.1:0, 0.2:0, 0.2:0, 0.2:0, 0.2:0}>>
  %y = imc.layer %x, %w {layer = "dw", kind = "depthwise",
      mapping = #imc.mapping<copies = 3, stripes = 3>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024,
                       tile_max_bits = 4, layer_max_bits = 8, w_bits = 8, a_bits = 8, tile_w_bits = 4,
                       tile_a_bits = 4, w_slices = 2, a_passes = 2, rows_used = 105, columns_used = 30,
                       kernel_rounds = 2, weight_bytes = 2142, psum = true, output = "requantize+clamp">,
      strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 1, 1>, act = #nn.act<clamp -1.0, 1.0>, rounding = "onnx"}
      : (tensor<1x6x6x8x!nn.q<u8, 0.05:128>>, tensor<1x3x3x8x!nn.q<i8:3, {0.1:0, 0.1:0, 0.1:0, 0.1:0, 0.2:0, 0.2:0, 0.2:0, 0.2:0}>>) -> tensor<1x3x3x8x!nn.q<i8, 0.1:0>>
  func.return %y : tensor<1x3x3x8x!nn.q<i8, 0.1:0>>
}

// -----

/// A binary (xnor-popcount) dense layer with an accumulator result, two parallel chains.

// CHECK-LABEL: func.func @binary_dense
// CHECK:         imc.layer %x, %w {layer = "fc", kind = "dense",
// CHECK-SAME:      mapping = #imc.mapping<stripes = 1, chains = 1, parallel = 2, copies = 1, cluster_stripes = 1, cluster_rounds = 1>,
// CHECK-SAME:      w_bits = 1, a_bits = 1, tile_w_bits = 1, tile_a_bits = 1, w_slices = 1, a_passes = 1, rows_used = 512, columns_used = 32,
// CHECK-SAME:      kernel_rounds = 1, weight_bytes = 4096, psum = false, output = "accumulate">}
// CHECK-SAME:      : (tensor<1x512x!nn.bin>, tensor<64x512x!nn.bin>) -> tensor<1x64xi32>
func.func @binary_dense(%x: tensor<1x512x!nn.bin>) -> tensor<1x64xi32> {
  %w = nn.constant dense<-1> : tensor<64x512x!nn.bin>
  %y = imc.layer %x, %w {kind = "dense", layer = "fc", mapping = #imc.mapping<parallel = 2>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024,
                       tile_max_bits = 4, layer_max_bits = 8, w_bits = 1, a_bits = 1, tile_w_bits = 1,
                       tile_a_bits = 1, w_slices = 1, a_passes = 1, rows_used = 512, columns_used = 32,
                       kernel_rounds = 1, weight_bytes = 4096, psum = false, output = "accumulate">}
      : (tensor<1x512x!nn.bin>, tensor<64x512x!nn.bin>) -> tensor<1x64xi32>
  func.return %y : tensor<1x64xi32>
}

// -----

/// A kernel window deeper than a chain (3x3x128 = 1152 rows) in 3 depth blocks of 384 rows on
/// chains of 2 tiles: `depth_splits` prints when it is not 1.

// CHECK-LABEL: func.func @depth_split
// CHECK:         imc.layer %x, %w {layer = "deep", kind = "conv2d",
// CHECK-SAME:      mapping = #imc.mapping<stripes = 1, chains = 2, parallel = 1, copies = 1, cluster_stripes = 2, cluster_rounds = 1, depth_splits = 3>,
// CHECK-SAME:      rows_used = 384, columns_used = 16, kernel_rounds = 1, weight_bytes = 9216, psum = true, output = "requantize+relu6">
func.func @depth_split(%x: tensor<1x4x4x128x!nn.q<i4, 0.05:-2>>, %w: tensor<16x3x3x128x!nn.q<i4, 0.1:0>>) -> tensor<1x2x2x16x!nn.q<i4, 0.1:0>> {
  %y = imc.layer %x, %w {layer = "deep", kind = "conv2d",
      mapping = #imc.mapping<depth_splits = 3, chains = 2, cluster_stripes = 2>,
      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024,
                       tile_max_bits = 4, layer_max_bits = 8, w_bits = 4, a_bits = 4, tile_w_bits = 4,
                       tile_a_bits = 4, w_slices = 1, a_passes = 1, rows_used = 384, columns_used = 16,
                       kernel_rounds = 1, weight_bytes = 9216, psum = true, output = "requantize+relu6">,
      strides = array<i64: 2, 2>, padding = array<i64: 0, 0, 1, 1>, act = #nn.act<relu6>}
      : (tensor<1x4x4x128x!nn.q<i4, 0.05:-2>>, tensor<16x3x3x128x!nn.q<i4, 0.1:0>>) -> tensor<1x2x2x16x!nn.q<i4, 0.1:0>>
  func.return %y : tensor<1x2x2x16x!nn.q<i4, 0.1:0>>
}
