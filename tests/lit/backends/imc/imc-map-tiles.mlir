// RUN: edgeai-opt %s --pass-pipeline=imc-map-tiles --split-input-file | filecheck %s
// RUN: edgeai-opt %s --pass-pipeline='imc-map-tiles{objective=energy}' --split-input-file | filecheck %s --check-prefix=ENERGY
// RUN: edgeai-opt %s --pass-pipeline=imc-map-tiles --split-input-file | edgeai-opt --split-input-file | filecheck %s

/// A 4-bit conv maps onto the tiles (replaced by imc.layer with its mapping, tile figures and
/// cost); the max pool stays on the host with the reason; the schedule lists both in order.
// CHECK-LABEL: func.func @conv_then_pool
// CHECK:         %y = imc.layer %x, %w, %b {layer = "conv1", kind = "conv2d", mapping = #imc.mapping<stripes = {{[0-9]+}}, chains = {{[0-9]+}}
// CHECK-SAME:      tile = #imc.tile<tiles_per_cluster = 8, clusters = 8, columns_per_tile = 32, bits_per_column = 1024
// CHECK-SAME:      w_bits = 4, a_bits = 4
// CHECK-SAME:      cost = {
// CHECK-SAME:      cycles_1cluster =
// CHECK:         nn.max_pool2d %y {layer = "pool1", imc.host = "nn.max_pool2d: {{.*}}"
// CHECK:       imc.schedule @conv_then_pool {target = "dimc-18nm", steps = [#imc.step<imc "conv1">, #imc.step<host "pool1">]
// ENERGY:      imc.schedule @conv_then_pool
func.func @conv_then_pool(%x: tensor<1x8x8x16x!nn.q<u4, 0.05:0>>) -> tensor<1x4x4x24x!nn.q<u4, 0.1:0>> {
  %w = nn.constant dense<1> : tensor<24x3x3x16x!nn.q<i4, 0.1:0>>
  %b = nn.constant dense<-3> : tensor<24xi32>
  %y = nn.conv2d %x, %w, %b {layer = "conv1", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64, act = #nn.act<relu>} : (tensor<1x8x8x16x!nn.q<u4, 0.05:0>>, tensor<24x3x3x16x!nn.q<i4, 0.1:0>>, tensor<24xi32>) -> tensor<1x8x8x24x!nn.q<u4, 0.1:0>>
  %p = nn.max_pool2d %y {layer = "pool1", kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x8x8x24x!nn.q<u4, 0.1:0>>) -> tensor<1x4x4x24x!nn.q<u4, 0.1:0>>
  func.return %p : tensor<1x4x4x24x!nn.q<u4, 0.1:0>>
}

// -----

/// A 3x3x512 window at 4 bits (4608 rows) is deeper than a chain of 8 tiles (2048 rows): it is
/// cut into depth blocks.
// CHECK-LABEL: func.func @deep_kernel_depth_splits
// CHECK:         imc.layer %x, %w {layer = "deep", kind = "conv2d", mapping = #imc.mapping<{{.*}}depth_splits = {{[3-9]}}>
func.func @deep_kernel_depth_splits(%x: tensor<1x4x4x512x!nn.q<u4, 0.05:0>>) -> tensor<1x4x4x8x!nn.q<u4, 0.1:0>> {
  %w = nn.constant dense<1> : tensor<8x3x3x512x!nn.q<i4, 0.1:0>>
  %y = nn.conv2d %x, %w {layer = "deep", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64} : (tensor<1x4x4x512x!nn.q<u4, 0.05:0>>, tensor<8x3x3x512x!nn.q<i4, 0.1:0>>) -> tensor<1x4x4x8x!nn.q<u4, 0.1:0>>
  func.return %y : tensor<1x4x4x8x!nn.q<u4, 0.1:0>>
}

// -----

/// Float layers compute on the host: nothing maps, every op says why.
// CHECK-LABEL: func.func @negative_float_dense_stays_on_host
// CHECK:         nn.dense %x, %w {layer = "fc", imc.host = "nn.dense: {{.*}}float
// CHECK-NOT:     imc.layer
func.func @negative_float_dense_stays_on_host(%x: tensor<1x4xf32>) -> tensor<1x2xf32> {
  %w = nn.constant dense<1.0> : tensor<2x4xf32>
  %y = nn.dense %x, %w {layer = "fc"} : (tensor<1x4xf32>, tensor<2x4xf32>) -> tensor<1x2xf32>
  func.return %y : tensor<1x2xf32>
}
