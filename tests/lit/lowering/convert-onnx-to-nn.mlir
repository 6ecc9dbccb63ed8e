// RUN: edgeai-opt %s --pass-pipeline=convert-onnx-to-nn --split-input-file | filecheck %s

/// An NCHW conv becomes an NHWC nn.conv2d with OIHW weights permuted to OHWI at compile time;
/// the function keeps its NCHW signature through boundary transposes.
// CHECK-LABEL: func.func @conv_nchw_to_nhwc
// CHECK-NEXT:    %[[X:.*]] = nn.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x4x4x2xf32>
// CHECK-NEXT:    %[[W:.*]] = nn.constant dense<{{\[\[\[\[}}1.0, 1.0], [2.0, 2.0], [3.0, 3.0]], {{.*}} : tensor<3x3x3x2xf32>
// CHECK-NEXT:    %[[B:.*]] = nn.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
// CHECK-NEXT:    %[[Y:.*]] = nn.conv2d %[[X]], %[[W]], %[[B]] {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>, groups = 1 : i64} : (tensor<1x4x4x2xf32>, tensor<3x3x3x2xf32>, tensor<3xf32>) -> tensor<1x4x4x3xf32>
// CHECK-NEXT:    %[[R:.*]] = nn.transpose %[[Y]] {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x3xf32>) -> tensor<1x3x4x4xf32>
// CHECK-NEXT:    func.return %[[R]] : tensor<1x3x4x4xf32>
func.func @conv_nchw_to_nhwc(%x: tensor<1x2x4x4xf32>) -> tensor<1x3x4x4xf32> {
  %w = onnx.constant dense<[[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]], [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]], [[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]]]]> : tensor<3x2x3x3xf32>
  %b = onnx.constant dense<[1.0, 2.0, 3.0]> : tensor<3xf32>
  %y = onnx.conv %x, %w, %b {auto_pad = "NOTSET", dilations = array<i64: 1, 1>, group = 1 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>, tensor<3x2x3x3xf32>, tensor<3xf32>) -> tensor<1x3x4x4xf32>
  func.return %y : tensor<1x3x4x4xf32>
}

// -----

/// group == channels with one filter per group is a depthwise conv, weights [1, KH, KW, C].
// CHECK-LABEL: func.func @conv_depthwise_from_group
// CHECK:         %[[W:.*]] = nn.constant dense<0.5> : tensor<1x3x3x4xf32>
// CHECK-NEXT:    nn.depthwise_conv2d %{{.*}}, %[[W]] {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 1, 1>}
// CHECK-NOT:     nn.conv2d
func.func @conv_depthwise_from_group(%x: tensor<1x4x6x6xf32>) -> tensor<1x4x6x6xf32> {
  %w = onnx.constant dense<0.5> : tensor<4x1x3x3xf32>
  %n = onnx.none
  %y = onnx.conv %x, %w, %n {auto_pad = "NOTSET", dilations = array<i64: 1, 1>, group = 4 : i64, kernel_shape = array<i64: 3, 3>, pads = array<i64: 1, 1, 1, 1>, strides = array<i64: 1, 1>} : (tensor<1x4x6x6xf32>, tensor<4x1x3x3xf32>, none) -> tensor<1x4x6x6xf32>
  func.return %y : tensor<1x4x6x6xf32>
}

// -----

/// auto_pad = SAME_UPPER becomes explicit [top, left, bottom, right] padding (extra at the end).
// CHECK-LABEL: func.func @conv_auto_pad_same_upper
// CHECK:         nn.conv2d %{{.*}}, %{{.*}} {strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 1, 1>, groups = 1 : i64}
// CHECK-SAME:    -> tensor<1x3x3x2xf32>
func.func @conv_auto_pad_same_upper(%x: tensor<1x1x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %w = onnx.constant dense<1.0> : tensor<2x1x2x2xf32>
  %n = onnx.none
  %y = onnx.conv %x, %w, %n {auto_pad = "SAME_UPPER", dilations = array<i64: 1, 1>, group = 1 : i64, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, strides = array<i64: 2, 2>} : (tensor<1x1x5x5xf32>, tensor<2x1x2x2xf32>, none) -> tensor<1x2x3x3xf32>
  func.return %y : tensor<1x2x3x3xf32>
}

// -----

/// ceil_mode = 1 becomes extra bottom/right padding so the last partial window exists.
// CHECK-LABEL: func.func @max_pool_ceil_mode
// CHECK:         nn.max_pool2d %{{.*}} {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 1, 1>}
// CHECK-SAME:    (tensor<1x5x5x2xf32>) -> tensor<1x3x3x2xf32>
func.func @max_pool_ceil_mode(%x: tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32> {
  %y = onnx.max_pool %x {auto_pad = "NOTSET", ceil_mode = 1 : i64, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 2, 2>, pads = array<i64: 0, 0, 0, 0>, storage_order = 0 : i64, strides = array<i64: 2, 2>} : (tensor<1x2x5x5xf32>) -> tensor<1x2x3x3xf32>
  func.return %y : tensor<1x2x3x3xf32>
}

// -----

/// Gemm with a constant transposed B and a vector C is one nn.dense with a bias.
// CHECK-LABEL: func.func @gemm_to_dense
// CHECK:         %[[W:.*]] = nn.constant {{.*}} : tensor<4x3xf32>
// CHECK-NEXT:    %[[B:.*]] = nn.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
// CHECK-NEXT:    %[[Y:.*]] = nn.dense %a, %[[W]], %[[B]] : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
// CHECK-NEXT:    func.return %[[Y]]
func.func @gemm_to_dense(%a: tensor<2x3xf32>) -> tensor<2x4xf32> {
  %b = onnx.constant dense<[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0], [10.0, 11.0, 12.0]]> : tensor<4x3xf32>
  %c = onnx.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf32>
  %y = onnx.gemm %a, %b, %c {alpha = 1.0 : f32, beta = 1.0 : f32, transA = 0 : i64, transB = 1 : i64} : (tensor<2x3xf32>, tensor<4x3xf32>, tensor<4xf32>) -> tensor<2x4xf32>
  func.return %y : tensor<2x4xf32>
}

// -----

/// An ONNX Transpose to NHWC after a channels-last value costs nothing: it only changes the
/// recorded layout, and the NHWC result needs no boundary transpose.
// CHECK-LABEL: func.func @transpose_absorbed
// CHECK:         %[[P:.*]] = nn.max_pool2d
// CHECK-NEXT:    %[[S:.*]] = nn.sigmoid %[[P]] : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
// CHECK-NEXT:    func.return %[[S]] : tensor<1x4x4x2xf32>
func.func @transpose_absorbed(%x: tensor<1x2x4x4xf32>) -> tensor<1x4x4x2xf32> {
  %r = onnx.relu %x : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %p = onnx.max_pool %r {auto_pad = "NOTSET", ceil_mode = 0 : i64, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, storage_order = 0 : i64, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %t = onnx.transpose %p {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x4x4x2xf32>
  %y = onnx.sigmoid %t : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2xf32>
  func.return %y : tensor<1x4x4x2xf32>
}

// -----

/// Reshape depends on element order: an NHWC value goes back to NCHW first.
// CHECK-LABEL: func.func @reshape_after_nhwc
// CHECK:         %[[P:.*]] = nn.max_pool2d
// CHECK-NEXT:    %[[T:.*]] = nn.transpose %[[P]] {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x2xf32>) -> tensor<1x2x4x4xf32>
// CHECK-NEXT:    %[[R:.*]] = nn.reshape %[[T]] : (tensor<1x2x4x4xf32>) -> tensor<1x32xf32>
// CHECK-NEXT:    func.return %[[R]]
func.func @reshape_after_nhwc(%x: tensor<1x2x4x4xf32>) -> tensor<1x32xf32> {
  %p = onnx.max_pool %x {auto_pad = "NOTSET", ceil_mode = 0 : i64, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, storage_order = 0 : i64, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %s = onnx.constant dense<[1, 32]> : tensor<2xi64>
  %y = onnx.reshape %p, %s {allowzero = 0 : i64} : (tensor<1x2x4x4xf32>, tensor<2xi64>) -> tensor<1x32xf32>
  func.return %y : tensor<1x32xf32>
}

// -----

/// Concat along ONNX channel axis 1 of NHWC operands is nn.concat along axis 3.
// CHECK-LABEL: func.func @concat_axis_remap
// CHECK:         %[[Z:.*]] = nn.transpose %z {perm = array<i64: 0, 2, 3, 1>}
// CHECK-NEXT:    %[[C:.*]] = nn.concat %{{.*}}, %[[Z]] {axis = 3 : i64} : (tensor<1x4x4x2xf32>, tensor<1x4x4x3xf32>) -> tensor<1x4x4x5xf32>
// CHECK-NEXT:    nn.transpose %[[C]] {perm = array<i64: 0, 3, 1, 2>}
func.func @concat_axis_remap(%x: tensor<1x2x4x4xf32>, %z: tensor<1x3x4x4xf32>) -> tensor<1x5x4x4xf32> {
  %p = onnx.max_pool %x {auto_pad = "NOTSET", ceil_mode = 0 : i64, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, storage_order = 0 : i64, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %y = onnx.concat %p, %z {axis = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<1x3x4x4xf32>) -> tensor<1x5x4x4xf32>
  func.return %y : tensor<1x5x4x4xf32>
}

// -----

/// Per-axis QuantizeLinear along ONNX axis 1 quantizes the NHWC value along axis 3; the
/// boundary transpose moves the quantization axis back to 1.
// CHECK-LABEL: func.func @quantize_per_axis_remap
// CHECK:         %[[Q:.*]] = nn.quantize %{{.*}} {rounding = "onnx"} : (tensor<1x4x4x2xf32>) -> tensor<1x4x4x2x!nn.q<i8:3, {0.5:0, 0.25:1}>>
// CHECK-NEXT:    %[[T:.*]] = nn.transpose %[[Q]] {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x4x4x2x!nn.q<i8:3, {0.5:0, 0.25:1}>>) -> tensor<1x2x4x4x!nn.q<i8:1, {0.5:0, 0.25:1}>>
// CHECK-NEXT:    %[[S:.*]] = nn.storage_cast %[[T]] : {{.*}} -> tensor<1x2x4x4xi8>
// CHECK-NEXT:    func.return %[[S]]
func.func @quantize_per_axis_remap(%x: tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xi8> {
  %p = onnx.max_pool %x {auto_pad = "NOTSET", ceil_mode = 0 : i64, dilations = array<i64: 1, 1>, kernel_shape = array<i64: 1, 1>, pads = array<i64: 0, 0, 0, 0>, storage_order = 0 : i64, strides = array<i64: 1, 1>} : (tensor<1x2x4x4xf32>) -> tensor<1x2x4x4xf32>
  %s = onnx.constant dense<[0.5, 0.25]> : tensor<2xf32>
  %z = onnx.constant dense<[0, 1]> : tensor<2xi8>
  %y = onnx.quantize_linear %p, %s, %z {axis = 1 : i64, block_size = 0 : i64, output_dtype = 0 : i64, precision = 0 : i64, saturate = 1 : i64} : (tensor<1x2x4x4xf32>, tensor<2xf32>, tensor<2xi8>) -> tensor<1x2x4x4xi8>
  func.return %y : tensor<1x2x4x4xi8>
}
