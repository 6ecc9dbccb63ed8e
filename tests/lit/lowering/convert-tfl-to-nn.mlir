// RUN: edgeai-opt %s --pass-pipeline=convert-tfl-to-nn --split-input-file | filecheck %s

/// An int8 conv keeps NHWC and its OHWI per-channel weights; the bias is re-typed with
/// scale = input scale x weight scale per channel (the file's bias scale is not used), SAME
/// padding becomes explicit (odd pixel bottom/right) and RELU6 becomes the `act` clamp.
// CHECK-LABEL: func.func @conv_int8_per_channel
// CHECK:         %[[B:.*]] = nn.constant dense<[10, -20]> : tensor<2x!nn.q<i32:0, {0.005:0, 0.01:0}>>
// CHECK-NEXT:    %[[W:.*]] = nn.constant dense<1> : tensor<2x3x3x1x!nn.q<i8:0, {0.01:0, 0.02:0}>>
// CHECK-NEXT:    %[[Y:.*]] = nn.conv2d %x, %[[W]], %[[B]] {layer = "conv_2d_0", strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, act = #nn.act<relu6>, groups = 1 : i64} : (tensor<1x5x5x1x!nn.q<i8, 0.5:-1>>, tensor<2x3x3x1x!nn.q<i8:0, {0.01:0, 0.02:0}>>, tensor<2x!nn.q<i32:0, {0.005:0, 0.01:0}>>) -> tensor<1x3x3x2x!nn.q<i8, 0.1:-128>>
// CHECK-NEXT:    func.return %[[Y]]
func.func @conv_int8_per_channel(%x: tensor<1x5x5x1x!nn.q<i8, 0.5:-1>>) -> tensor<1x3x3x2x!nn.q<i8, 0.1:-128>> {
  %w = tfl.const dense<1> : tensor<2x3x3x1x!nn.q<i8:0, {0.01:0, 0.02:0}>>
  %b = tfl.const dense<[10, -20]> : tensor<2x!nn.q<i32:0, {0.00499:0, 0.0101:0}>>
  %y = tfl.conv_2d %x, %w, %b {layer = "conv_2d_0", dilation_h_factor = 1 : i64, dilation_w_factor = 1 : i64, fused_activation_function = "RELU6", padding = "SAME", stride_h = 2 : i64, stride_w = 2 : i64} : (tensor<1x5x5x1x!nn.q<i8, 0.5:-1>>, tensor<2x3x3x1x!nn.q<i8:0, {0.01:0, 0.02:0}>>, tensor<2x!nn.q<i32:0, {0.00499:0, 0.0101:0}>>) -> tensor<1x3x3x2x!nn.q<i8, 0.1:-128>>
  func.return %y : tensor<1x3x3x2x!nn.q<i8, 0.1:-128>>
}

// -----

/// Per-tensor weights give a per-tensor bias; a rank-3 input of FULLY_CONNECTED is flattened.
// CHECK-LABEL: func.func @fully_connected_flatten
// CHECK:         %[[R:.*]] = nn.reshape %x : (tensor<1x2x4x!nn.q<i8, 0.5:0>>) -> tensor<2x4x!nn.q<i8, 0.5:0>>
// CHECK-NEXT:    %[[B:.*]] = nn.constant dense<[1, 2, 3]> : tensor<3x!nn.q<i32, 0.125:0>>
// CHECK-NEXT:    %[[W:.*]] = nn.constant dense<1> : tensor<3x4x!nn.q<i8, 0.25:0>>
// CHECK-NEXT:    nn.dense %[[R]], %[[W]], %[[B]] {act = #nn.act<relu>}
func.func @fully_connected_flatten(%x: tensor<1x2x4x!nn.q<i8, 0.5:0>>) -> tensor<2x3x!nn.q<i8, 1.0:0>> {
  %w = tfl.const dense<1> : tensor<3x4x!nn.q<i8, 0.25:0>>
  %b = tfl.const dense<[1, 2, 3]> : tensor<3x!nn.q<i32, 0.125:0>>
  %y = tfl.fully_connected %x, %w, %b {asymmetric_quantize_inputs = 0 : i64, fused_activation_function = "RELU", keep_num_dims = 0 : i64, weights_format = "DEFAULT"} : (tensor<1x2x4x!nn.q<i8, 0.5:0>>, tensor<3x4x!nn.q<i8, 0.25:0>>, tensor<3x!nn.q<i32, 0.125:0>>) -> tensor<2x3x!nn.q<i8, 1.0:0>>
  func.return %y : tensor<2x3x!nn.q<i8, 1.0:0>>
}

// -----

/// A depthwise conv with a bias of zeros (how converters write bias-free layers) has no bias.
// CHECK-LABEL: func.func @depthwise_zero_bias
// CHECK:         nn.depthwise_conv2d %x, %{{[^,]*}} {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x3x3x2xf32>, tensor<1x3x3x2xf32>) -> tensor<1x1x1x2xf32>
func.func @depthwise_zero_bias(%x: tensor<1x3x3x2xf32>) -> tensor<1x1x1x2xf32> {
  %w = tfl.const dense<1.0> : tensor<1x3x3x2xf32>
  %b = tfl.const dense<0.0> : tensor<2xf32>
  %y = tfl.depthwise_conv_2d %x, %w, %b {depth_multiplier = 1 : i64, dilation_h_factor = 1 : i64, dilation_w_factor = 1 : i64, fused_activation_function = "NONE", padding = "VALID", stride_h = 1 : i64, stride_w = 1 : i64} : (tensor<1x3x3x2xf32>, tensor<1x3x3x2xf32>, tensor<2xf32>) -> tensor<1x1x1x2xf32>
  func.return %y : tensor<1x1x1x2xf32>
}

// -----

/// SOFTMAX beta != 1 is folded into the input scale (storage cast); average pool does not
/// count padding; MEAN axes become nn.reduce_mean axes.
// CHECK-LABEL: func.func @softmax_beta_pool_mean
// CHECK:         nn.avg_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 1, 1>, count_include_pad = 0 : i64}
// CHECK:         nn.reduce_mean %{{.*}} {axes = array<i64: 1, 2>, keepdims = 0 : i64}
// CHECK:         nn.storage_cast %{{.*}} : (tensor<1x2x!nn.q<i8, 0.5:0>>) -> tensor<1x2x!nn.q<i8, 1.0:0>>
// CHECK-NEXT:    nn.softmax %{{.*}} {axis = 1 : i64}
func.func @softmax_beta_pool_mean(%x: tensor<1x2x2x2x!nn.q<i8, 0.5:0>>) -> tensor<1x2x!nn.q<i8, 0.00390625:-128>> {
  %p = tfl.average_pool_2d %x {filter_height = 2 : i64, filter_width = 2 : i64, fused_activation_function = "NONE", padding = "SAME", stride_h = 1 : i64, stride_w = 1 : i64} : (tensor<1x2x2x2x!nn.q<i8, 0.5:0>>) -> tensor<1x2x2x2x!nn.q<i8, 0.5:0>>
  %axes = tfl.const dense<[1, -2]> : tensor<2xi32>
  %m = tfl.mean %p, %axes {keep_dims = 0 : i64} : (tensor<1x2x2x2x!nn.q<i8, 0.5:0>>, tensor<2xi32>) -> tensor<1x2x!nn.q<i8, 0.5:0>>
  %y = tfl.softmax %m {beta = 2.0 : f32} : (tensor<1x2x!nn.q<i8, 0.5:0>>) -> tensor<1x2x!nn.q<i8, 0.00390625:-128>>
  func.return %y : tensor<1x2x!nn.q<i8, 0.00390625:-128>>
}

// -----

/// Data movement: STRIDED_SLICE masks (shrink adds a reshape), TRANSPOSE, PAD, CONCATENATION,
/// QUANTIZE/DEQUANTIZE.
// CHECK-LABEL: func.func @data_movement
// CHECK:         nn.quantize %x : (tensor<2x4xf32>) -> tensor<2x4x!nn.q<i8, 0.1:0>>
// CHECK:         nn.slice %{{.*}} {starts = array<i64: 1, 0>, ends = array<i64: 2, 4>, steps = array<i64: 1, 2>}
// CHECK:         nn.reshape %{{.*}} -> tensor<2x!nn.q<i8, 0.1:0>>
// CHECK:         nn.pad %{{.*}} {pads = array<i64: 1, 0>, mode = "constant", value = 0.0 : f32}
// CHECK:         nn.concat %{{.*}}, %{{.*}} {axis = 0 : i64}
// CHECK:         nn.transpose %{{.*}} {perm = array<i64: 1, 0>}
// CHECK:         nn.dequantize
func.func @data_movement(%x: tensor<2x4xf32>) -> tensor<1x5xf32> {
  %q = tfl.quantize %x : (tensor<2x4xf32>) -> tensor<2x4x!nn.q<i8, 0.1:0>>
  %b = tfl.const dense<[-1, 0]> : tensor<2xi32>
  %e = tfl.const dense<[0, 4]> : tensor<2xi32>
  %s = tfl.const dense<[1, 2]> : tensor<2xi32>
  %sl = tfl.strided_slice %q, %b, %e, %s {begin_mask = 0 : i64, ellipsis_mask = 0 : i64, end_mask = 2 : i64, new_axis_mask = 0 : i64, offset = 0 : i64, shrink_axis_mask = 1 : i64} : (tensor<2x4x!nn.q<i8, 0.1:0>>, tensor<2xi32>, tensor<2xi32>, tensor<2xi32>) -> tensor<2x!nn.q<i8, 0.1:0>>
  %pd = tfl.const dense<[[1, 0]]> : tensor<1x2xi32>
  %p = tfl.pad %sl, %pd : (tensor<2x!nn.q<i8, 0.1:0>>, tensor<1x2xi32>) -> tensor<3x!nn.q<i8, 0.1:0>>
  %c = tfl.concatenation %p, %sl {axis = 0 : i64, fused_activation_function = "NONE"} : (tensor<3x!nn.q<i8, 0.1:0>>, tensor<2x!nn.q<i8, 0.1:0>>) -> tensor<5x!nn.q<i8, 0.1:0>>
  %shape = tfl.const dense<[5, 1]> : tensor<2xi32>
  %r = tfl.reshape %c, %shape : (tensor<5x!nn.q<i8, 0.1:0>>, tensor<2xi32>) -> tensor<5x1x!nn.q<i8, 0.1:0>>
  %perm = tfl.const dense<[1, 0]> : tensor<2xi32>
  %t = tfl.transpose %r, %perm : (tensor<5x1x!nn.q<i8, 0.1:0>>, tensor<2xi32>) -> tensor<1x5x!nn.q<i8, 0.1:0>>
  %y = tfl.dequantize %t : (tensor<1x5x!nn.q<i8, 0.1:0>>) -> tensor<1x5xf32>
  func.return %y : tensor<1x5xf32>
}
