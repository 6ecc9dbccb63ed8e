// RUN: edgeai-opt %s --split-input-file | filecheck %s
// RUN: edgeai-opt %s --split-input-file --print-op-generic | edgeai-opt --split-input-file | filecheck %s

/// Every `nn` op prints in its custom form and parses back unchanged (also through the
/// generic form). Quantized element types and constants round-trip losslessly.

// CHECK-LABEL: func.func @types
// CHECK-SAME:    tensor<2x!nn.q<i8, 0.0235:-128>>
// CHECK-SAME:    tensor<4x1x1x2x!nn.q<i8:0, {0.5:0, 0.25:0, 0.125:0, 1.0e-05:0}>>
// CHECK-SAME:    tensor<3x!nn.q<u4, 0.1:7>>
// CHECK-SAME:    tensor<3x!nn.q<i32:0, {0.5:0, 0.25:0, 2.0:0}>>
// CHECK-SAME:    tensor<8x!nn.bin>
// CHECK-SAME:    tensor<8x!nn.bin<0.5>>
// CHECK-SAME:    tensor<2x4x!nn.bin<:0, {0.5, 0.25}>>
func.func @types(%a: tensor<2x!nn.q<i8, 0.0235:-128>>,
                 %b: tensor<4x1x1x2x!nn.q<i8:0, {0.5:0, 0.25:0, 0.125:0, 1.0e-05:0}>>,
                 %c: tensor<3x!nn.q<u4, 0.1:7>>,
                 %d: tensor<3x!nn.q<i32:0, {0.5:0, 0.25:0, 2.0:0}>>,
                 %e: tensor<8x!nn.bin>, %f: tensor<8x!nn.bin<0.5>>, %g: tensor<2x4x!nn.bin<:0, {0.5, 0.25}>>) {
  func.return
}

// -----

// CHECK-LABEL: func.func @constants
// CHECK:         nn.constant dense<[1.5, -2.0, 12572510.0, 1.0e-45]> : tensor<4xf32>
// CHECK:         nn.constant dense<"0x0000807F000080FF0000C07F0000803F"> : tensor<4xf32>
// CHECK:         nn.constant dense<[[1, -2], [3, 127]]> : tensor<2x2x!nn.q<i8:0, {0.1:0, 0.2:0}>>
// CHECK:         nn.constant dense<[1, -1, 1]> : tensor<3x!nn.bin>
// CHECK:         nn.constant dense<7> {layer = "w"} : tensor<2x3xi32>
func.func @constants() {
  %0 = nn.constant dense<[1.5, -2.0, 12572510.0, 1.0e-45]> : tensor<4xf32>
  %1 = nn.constant dense<"0x0000807F000080FF0000C07F0000803F"> : tensor<4xf32>
  %2 = nn.constant dense<[[1, -2], [3, 127]]> : tensor<2x2x!nn.q<i8:0, {0.1:0, 0.2:0}>>
  %3 = nn.constant dense<[1, -1, 1]> : tensor<3x!nn.bin>
  %4 = nn.constant dense<7> {layer = "w"} : tensor<2x3xi32>
  func.return
}

// -----

// CHECK-LABEL: func.func @convolutions
// CHECK:         nn.conv2d %x, %w, %b {layer = "c1", strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64, act = #nn.act<relu6>}
// CHECK:         nn.depthwise_conv2d %x, %dw {strides = array<i64: 1, 1>, dilations = array<i64: 2, 2>, padding = array<i64: 2, 2, 2, 2>, act = #nn.act<clamp -1.0, inf>}
// CHECK:         nn.conv2d_transpose %x, %tw {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 0, 0>, groups = 1 : i64}
// CHECK:         nn.dense %v, %dn, %db {act = #nn.act<relu>}
// CHECK:         nn.matmul %m1, %m2
func.func @convolutions(%x: tensor<1x8x8x4xf32>, %v: tensor<2x16xf32>, %m1: tensor<3x2x5xf32>, %m2: tensor<5x7xf32>) {
  %w = nn.constant dense<0.5> : tensor<6x3x3x4xf32>
  %b = nn.constant dense<0.0> : tensor<6xf32>
  %0 = nn.conv2d %x, %w, %b {layer = "c1", strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64, act = #nn.act<relu6>} : (tensor<1x8x8x4xf32>, tensor<6x3x3x4xf32>, tensor<6xf32>) -> tensor<1x4x4x6xf32>
  %dw = nn.constant dense<1.0> : tensor<1x3x3x8xf32>
  %1 = nn.depthwise_conv2d %x, %dw {strides = array<i64: 1, 1>, dilations = array<i64: 2, 2>, padding = array<i64: 2, 2, 2, 2>, act = #nn.act<clamp -1.0, inf>} : (tensor<1x8x8x4xf32>, tensor<1x3x3x8xf32>) -> tensor<1x8x8x8xf32>
  %tw = nn.constant dense<1.0> : tensor<2x3x3x4xf32>
  %2 = nn.conv2d_transpose %x, %tw {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 0, 0>, groups = 1 : i64} : (tensor<1x8x8x4xf32>, tensor<2x3x3x4xf32>) -> tensor<1x16x16x2xf32>
  %dn = nn.constant dense<1.0> : tensor<10x16xf32>
  %db = nn.constant dense<1.0> : tensor<10xf32>
  %3 = nn.dense %v, %dn, %db {act = #nn.act<relu>} : (tensor<2x16xf32>, tensor<10x16xf32>, tensor<10xf32>) -> tensor<2x10xf32>
  %4 = nn.matmul %m1, %m2 : (tensor<3x2x5xf32>, tensor<5x7xf32>) -> tensor<3x2x7xf32>
  func.return
}

// -----

// CHECK-LABEL: func.func @quantized_conv
// CHECK:         nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, rounding = "onnx"} : (tensor<1x4x4x2x!nn.q<i8, 0.5:-1>>, tensor<3x1x1x2x!nn.q<i8:0, {0.1:0, 0.2:0, 0.3:0}>>, tensor<3x!nn.q<i32:0, {0.05:0, 0.1:0, 0.15:0}>>) -> tensor<1x4x4x3x!nn.q<i8, 0.25:5>>
// CHECK:         nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : ({{.*}}) -> tensor<1x4x4x3xi32>
func.func @quantized_conv(%x: tensor<1x4x4x2x!nn.q<i8, 0.5:-1>>) {
  %w = nn.constant dense<3> : tensor<3x1x1x2x!nn.q<i8:0, {0.1:0, 0.2:0, 0.3:0}>>
  %b = nn.constant dense<[1, 2, 3]> : tensor<3x!nn.q<i32:0, {0.05:0, 0.1:0, 0.15:0}>>
  %0 = nn.conv2d %x, %w, %b {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64, rounding = "onnx"} : (tensor<1x4x4x2x!nn.q<i8, 0.5:-1>>, tensor<3x1x1x2x!nn.q<i8:0, {0.1:0, 0.2:0, 0.3:0}>>, tensor<3x!nn.q<i32:0, {0.05:0, 0.1:0, 0.15:0}>>) -> tensor<1x4x4x3x!nn.q<i8, 0.25:5>>
  %1 = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x4x4x2x!nn.q<i8, 0.5:-1>>, tensor<3x1x1x2x!nn.q<i8:0, {0.1:0, 0.2:0, 0.3:0}>>) -> tensor<1x4x4x3xi32>
  func.return
}

// -----

// CHECK-LABEL: func.func @elementwise
// CHECK:         nn.add %a, %b {act = #nn.act<relu>} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
// CHECK:         nn.sub %a, %a
// CHECK:         nn.mul %a, %b
// CHECK:         nn.div %a, %b
// CHECK:         nn.maximum %a, %b
// CHECK:         nn.minimum %a, %b
// CHECK:         nn.relu %a
// CHECK:         nn.clamp %a {min = -1.0 : f32, max = 6.0 : f32}
// CHECK:         nn.leaky_relu %a {alpha = 0.1 : f32}
// CHECK:         nn.prelu %a, %b
// CHECK:         nn.sigmoid %a
// CHECK:         nn.tanh %a
// CHECK:         nn.hard_sigmoid %a {alpha = 0.2 : f32, beta = 0.5 : f32}
// CHECK:         nn.hard_swish %a
// CHECK:         nn.softmax %a {axis = -1 : i64}
// CHECK:         nn.softmax %a {axis = 1 : i64, beta = 0.5 : f32}
// CHECK:         nn.log_softmax %a {axis = 0 : i64}
// CHECK:         nn.add %q, %q {rounding = "tflite"} : (tensor<4x!nn.q<i8, 0.5:0>>, tensor<4x!nn.q<i8, 0.5:0>>) -> tensor<4x!nn.q<i8, 1.0:0>>
func.func @elementwise(%a: tensor<2x3xf32>, %b: tensor<3xf32>, %q: tensor<4x!nn.q<i8, 0.5:0>>) {
  %0 = nn.add %a, %b {act = #nn.act<relu>} : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %1 = nn.sub %a, %a : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<2x3xf32>
  %2 = nn.mul %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %3 = nn.div %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %4 = nn.maximum %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %5 = nn.minimum %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %6 = nn.relu %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %7 = nn.clamp %a {min = -1.0 : f32, max = 6.0 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %8 = nn.leaky_relu %a {alpha = 0.1 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %9 = nn.prelu %a, %b : (tensor<2x3xf32>, tensor<3xf32>) -> tensor<2x3xf32>
  %10 = nn.sigmoid %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %11 = nn.tanh %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %12 = nn.hard_sigmoid %a {alpha = 0.2 : f32, beta = 0.5 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %13 = nn.hard_swish %a : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %14 = nn.softmax %a {axis = -1 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %sb = nn.softmax %a {axis = 1 : i64, beta = 0.5 : f32} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %15 = nn.log_softmax %a {axis = 0 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %16 = nn.add %q, %q {rounding = "tflite"} : (tensor<4x!nn.q<i8, 0.5:0>>, tensor<4x!nn.q<i8, 0.5:0>>) -> tensor<4x!nn.q<i8, 1.0:0>>
  func.return
}

// -----

// CHECK-LABEL: func.func @pooling
// CHECK:         nn.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
// CHECK:         nn.avg_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 2, 2>, count_include_pad = 1 : i64, counted_padding = array<i64: 1, 1, 1, 1>}
// CHECK:         nn.reduce_mean %x {axes = array<i64: 1, 2>, keepdims = 1 : i64}
// CHECK:         nn.reduce_max %x {axes = array<i64: 3>, keepdims = 0 : i64}
// CHECK:         nn.reduce_sum %x {axes = array<i64: 0, 1, 2, 3>, keepdims = 0 : i64}
// CHECK:         nn.batch_norm %x, %s, %s, %s, %s {epsilon = 0.001 : f32}
func.func @pooling(%x: tensor<1x8x8x4xf32>, %s: tensor<4xf32>) {
  %0 = nn.max_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x4xf32>) -> tensor<1x4x4x4xf32>
  %1 = nn.avg_pool2d %x {kernel = array<i64: 3, 3>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 2, 2>, count_include_pad = 1 : i64, counted_padding = array<i64: 1, 1, 1, 1>} : (tensor<1x8x8x4xf32>) -> tensor<1x5x5x4xf32>
  %2 = nn.reduce_mean %x {axes = array<i64: 1, 2>, keepdims = 1 : i64} : (tensor<1x8x8x4xf32>) -> tensor<1x1x1x4xf32>
  %3 = nn.reduce_max %x {axes = array<i64: 3>, keepdims = 0 : i64} : (tensor<1x8x8x4xf32>) -> tensor<1x8x8xf32>
  %4 = nn.reduce_sum %x {axes = array<i64: 0, 1, 2, 3>, keepdims = 0 : i64} : (tensor<1x8x8x4xf32>) -> tensor<f32>
  %5 = nn.batch_norm %x, %s, %s, %s, %s {epsilon = 0.001 : f32} : (tensor<1x8x8x4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>, tensor<4xf32>) -> tensor<1x8x8x4xf32>
  func.return
}

// -----

// CHECK-LABEL: func.func @data_movement
// CHECK:         nn.concat %x, %x {axis = 3 : i64} : (tensor<1x2x2x3xf32>, tensor<1x2x2x3xf32>) -> tensor<1x2x2x6xf32>
// CHECK:         nn.reshape %x : (tensor<1x2x2x3xf32>) -> tensor<1x12xf32>
// CHECK:         nn.transpose %x {perm = array<i64: 0, 3, 1, 2>}
// CHECK:         nn.pad %x {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, mode = "constant", value = 0.0 : f32}
// CHECK:         nn.slice %x {starts = array<i64: 0, 1, 0, 2>, ends = array<i64: 1, 2, 2, -1>, steps = array<i64: 1, 1, 1, -2>}
// CHECK:         %{{.*}}, %{{.*}} = nn.split %x {axis = 3 : i64} : (tensor<1x2x2x3xf32>) -> (tensor<1x2x2x1xf32>, tensor<1x2x2x2xf32>)
// CHECK:         nn.gather %x {axis = 3 : i64, indices = dense<[2, 0]> : tensor<2xi64>}
// CHECK:         nn.resize %x {mode = "linear", coordinate_mode = "half_pixel", nearest_mode = "round_prefer_floor", scales = array<f64: 1.0, 2.0, 2.0, 1.0>}
// CHECK:         nn.transpose %q {perm = array<i64: 1, 0>} : (tensor<3x2x!nn.q<i8:0, {0.5:0, 0.25:0, 0.125:0}>>) -> tensor<2x3x!nn.q<i8:1, {0.5:0, 0.25:0, 0.125:0}>>
func.func @data_movement(%x: tensor<1x2x2x3xf32>, %q: tensor<3x2x!nn.q<i8:0, {0.5:0, 0.25:0, 0.125:0}>>) {
  %0 = nn.concat %x, %x {axis = 3 : i64} : (tensor<1x2x2x3xf32>, tensor<1x2x2x3xf32>) -> tensor<1x2x2x6xf32>
  %1 = nn.reshape %x : (tensor<1x2x2x3xf32>) -> tensor<1x12xf32>
  %2 = nn.transpose %x {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x2x2x3xf32>) -> tensor<1x3x2x2xf32>
  %3 = nn.pad %x {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, mode = "constant", value = 0.0 : f32} : (tensor<1x2x2x3xf32>) -> tensor<1x4x4x3xf32>
  %4 = nn.slice %x {starts = array<i64: 0, 1, 0, 2>, ends = array<i64: 1, 2, 2, -1>, steps = array<i64: 1, 1, 1, -2>} : (tensor<1x2x2x3xf32>) -> tensor<1x1x2x2xf32>
  %5, %6 = nn.split %x {axis = 3 : i64} : (tensor<1x2x2x3xf32>) -> (tensor<1x2x2x1xf32>, tensor<1x2x2x2xf32>)
  %7 = nn.gather %x {axis = 3 : i64, indices = dense<[2, 0]> : tensor<2xi64>} : (tensor<1x2x2x3xf32>) -> tensor<1x2x2x2xf32>
  %8 = nn.resize %x {mode = "linear", coordinate_mode = "half_pixel", nearest_mode = "round_prefer_floor", scales = array<f64: 1.0, 2.0, 2.0, 1.0>} : (tensor<1x2x2x3xf32>) -> tensor<1x4x4x3xf32>
  %9 = nn.transpose %q {perm = array<i64: 1, 0>} : (tensor<3x2x!nn.q<i8:0, {0.5:0, 0.25:0, 0.125:0}>>) -> tensor<2x3x!nn.q<i8:1, {0.5:0, 0.25:0, 0.125:0}>>
  func.return
}

// -----

// CHECK-LABEL: func.func @conversions
// CHECK:         nn.quantize %x {rounding = "onnx"} : (tensor<4xf32>) -> tensor<4x!nn.q<u8, 0.1:128>>
// CHECK:         nn.quantize %x : (tensor<4xf32>) -> tensor<4x!nn.bin>
// CHECK:         nn.dequantize %0 : (tensor<4x!nn.q<u8, 0.1:128>>) -> tensor<4xf32>
// CHECK:         nn.requantize %0 : (tensor<4x!nn.q<u8, 0.1:128>>) -> tensor<4x!nn.q<i16, 0.001:0>>
// CHECK:         nn.storage_cast %i : (tensor<4xi8>) -> tensor<4x!nn.q<i8, 0.5:3>>
func.func @conversions(%x: tensor<4xf32>, %i: tensor<4xi8>) {
  %0 = nn.quantize %x {rounding = "onnx"} : (tensor<4xf32>) -> tensor<4x!nn.q<u8, 0.1:128>>
  %1 = nn.quantize %x : (tensor<4xf32>) -> tensor<4x!nn.bin>
  %2 = nn.dequantize %0 : (tensor<4x!nn.q<u8, 0.1:128>>) -> tensor<4xf32>
  %3 = nn.requantize %0 : (tensor<4x!nn.q<u8, 0.1:128>>) -> tensor<4x!nn.q<i16, 0.001:0>>
  %4 = nn.storage_cast %i : (tensor<4xi8>) -> tensor<4x!nn.q<i8, 0.5:3>>
  func.return
}

// -----

/// Binary weights: xnor-popcount accumulators, float x binary, quantized x binary; integer
/// thresholds to binary values.
// CHECK-LABEL: func.func @binary
// CHECK:         nn.conv2d %x, %w {{.*}} : (tensor<1x4x4x2x!nn.bin>, tensor<3x3x3x2x!nn.bin>) -> tensor<1x4x4x3xi32>
// CHECK:         nn.depthwise_conv2d %f, %dw {{.*}} : (tensor<1x4x4x2xf32>, tensor<1x3x3x2x!nn.bin<:3, {0.5, 0.25}>>) -> tensor<1x4x4x2xf32>
// CHECK:         nn.dense %q, %dn, %db : (tensor<1x8x!nn.q<i8, 0.5:-1>>, tensor<4x8x!nn.bin<:0, {1.0, 2.0, 0.5, 0.25}>>, tensor<4x!nn.q<i32:0, {0.5:0, 1.0:0, 0.25:0, 0.125:0}>>) -> tensor<1x4x!nn.q<i8, 0.25:0>>
// CHECK:         nn.dense %v, %dn : (tensor<1x8x!nn.bin<0.5>>, tensor<4x8x!nn.bin<:0, {1.0, 2.0, 0.5, 0.25}>>) -> tensor<1x4x!nn.q<i8, 0.25:0>>
// CHECK:         nn.threshold %a, %t {direction = array<i8: 1, -1, 1>} : (tensor<1x4x4x3xi32>, tensor<3xi32>) -> tensor<1x4x4x3x!nn.bin>
// CHECK:         nn.threshold %a, %t : (tensor<1x4x4x3xi32>, tensor<3xi32>) -> tensor<1x4x4x3x!nn.bin<0.5>>
func.func @binary(%x: tensor<1x4x4x2x!nn.bin>, %f: tensor<1x4x4x2xf32>, %q: tensor<1x8x!nn.q<i8, 0.5:-1>>, %v: tensor<1x8x!nn.bin<0.5>>) {
  %w = nn.constant dense<1> : tensor<3x3x3x2x!nn.bin>
  %a = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64} : (tensor<1x4x4x2x!nn.bin>, tensor<3x3x3x2x!nn.bin>) -> tensor<1x4x4x3xi32>
  %dw = nn.constant dense<-1> : tensor<1x3x3x2x!nn.bin<:3, {0.5, 0.25}>>
  %b = nn.depthwise_conv2d %f, %dw {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>} : (tensor<1x4x4x2xf32>, tensor<1x3x3x2x!nn.bin<:3, {0.5, 0.25}>>) -> tensor<1x4x4x2xf32>
  %dn = nn.constant dense<1> : tensor<4x8x!nn.bin<:0, {1.0, 2.0, 0.5, 0.25}>>
  %db = nn.constant dense<3> : tensor<4x!nn.q<i32:0, {0.5:0, 1.0:0, 0.25:0, 0.125:0}>>
  %c = nn.dense %q, %dn, %db : (tensor<1x8x!nn.q<i8, 0.5:-1>>, tensor<4x8x!nn.bin<:0, {1.0, 2.0, 0.5, 0.25}>>, tensor<4x!nn.q<i32:0, {0.5:0, 1.0:0, 0.25:0, 0.125:0}>>) -> tensor<1x4x!nn.q<i8, 0.25:0>>
  %d = nn.dense %v, %dn : (tensor<1x8x!nn.bin<0.5>>, tensor<4x8x!nn.bin<:0, {1.0, 2.0, 0.5, 0.25}>>) -> tensor<1x4x!nn.q<i8, 0.25:0>>
  %t = nn.constant dense<[-1, 2, 0]> : tensor<3xi32>
  %e = nn.threshold %a, %t {direction = array<i8: 1, -1, 1>} : (tensor<1x4x4x3xi32>, tensor<3xi32>) -> tensor<1x4x4x3x!nn.bin>
  %g = nn.threshold %a, %t : (tensor<1x4x4x3xi32>, tensor<3xi32>) -> tensor<1x4x4x3x!nn.bin<0.5>>
  func.return
}

// -----

/// QONNX quantization: zero point added before rounding, narrow range, 1-bit as x / alpha.
// CHECK-LABEL: func.func @qonnx_quantize
// CHECK:         nn.quantize %x {rounding = "qonnx_half_even", narrow = true} : (tensor<4xf32>) -> tensor<4x!nn.q<i2, 1.0:0>>
// CHECK:         nn.quantize %x {rounding = "qonnx_floor"} : (tensor<4xf32>) -> tensor<4x!nn.q<u3, 0.5:1>>
// CHECK:         nn.quantize %x {rounding = "qonnx_half_up"} : (tensor<4xf32>) -> tensor<4x!nn.bin<2.0>>
func.func @qonnx_quantize(%x: tensor<4xf32>) {
  %0 = nn.quantize %x {rounding = "qonnx_half_even", narrow = true} : (tensor<4xf32>) -> tensor<4x!nn.q<i2, 1.0:0>>
  %1 = nn.quantize %x {rounding = "qonnx_floor"} : (tensor<4xf32>) -> tensor<4x!nn.q<u3, 0.5:1>>
  %2 = nn.quantize %x {rounding = "qonnx_half_up"} : (tensor<4xf32>) -> tensor<4x!nn.bin<2.0>>
  func.return
}
