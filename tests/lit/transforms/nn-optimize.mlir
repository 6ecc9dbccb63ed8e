// RUN: edgeai-opt %s --pass-pipeline=nn-optimize --split-input-file | filecheck %s

/// The digits-style block: boundary transpose, conv -> batch_norm -> relu -> max_pool.
// CHECK-LABEL: func.func @optimize_conv_bn_relu
// CHECK-NEXT:    %[[X:.*]] = nn.reshape %x
// CHECK-NEXT:    %[[W:.*]] = nn.constant dense<{{\[}}[{{\[}}[2.0]]], [{{\[}}[3.0]]]]>
// CHECK-NEXT:    %[[B:.*]] = nn.constant dense<[1.0, 0.0]>
// CHECK-NEXT:    %[[Y:.*]] = nn.conv2d %[[X]], %[[W]], %[[B]] {layer = "conv", {{.*}}act = #nn.act<relu>}
// CHECK-NEXT:    %[[P:.*]] = nn.max_pool2d %[[Y]]
// CHECK-NEXT:    func.return %[[P]]
func.func @optimize_conv_bn_relu(%x: tensor<1x1x2x2xf32>) -> tensor<1x1x1x2xf32> {
  %t = nn.transpose %x {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x1x2x2xf32>) -> tensor<1x2x2x1xf32>
  %w = nn.constant dense<[[[[1.0]]], [[[3.0]]]]> : tensor<2x1x1x1xf32>
  %b = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %y = nn.conv2d %t, %w, %b {layer = "conv", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x2x2x1xf32>, tensor<2x1x1x1xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %g = nn.constant dense<[4.0, 3.0]> : tensor<2xf32>
  %be = nn.constant dense<[1.0, 0.0]> : tensor<2xf32>
  %m = nn.constant dense<[0.5, 1.0]> : tensor<2xf32>
  %v = nn.constant dense<[3.0, 8.0]> : tensor<2xf32>
  %z = nn.batch_norm %y, %g, %be, %m, %v {layer = "bn", epsilon = 1.0 : f32} : (tensor<1x2x2x2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>, tensor<2xf32>) -> tensor<1x2x2x2xf32>
  %r = nn.relu %z {layer = "relu"} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  %p = nn.max_pool2d %r {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x2x2x2xf32>) -> tensor<1x1x1x2xf32>
  func.return %p : tensor<1x1x1x2xf32>
}

// -----

/// Weight preprocessing folds, the pad fuses, the transposes around the clamp cancel and
/// the clamp fuses into the conv.
// CHECK-LABEL: func.func @optimize_pad_conv_transposes
// CHECK-NEXT:    %[[W:.*]] = nn.constant dense<{{.*}}> : tensor<1x3x3x2xf32>
// CHECK-NEXT:    %[[Y:.*]] = nn.conv2d %x, %[[W]] {{.*}}padding = array<i64: 1, 1, 1, 1>, {{.*}}act = #nn.act<relu6>}
// CHECK-NEXT:    func.return %[[Y]]
func.func @optimize_pad_conv_transposes(%x: tensor<1x3x3x2xf32>) -> tensor<1x3x3x1xf32> {
  %w0 = nn.constant dense<[[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0], [7.0, 8.0, 9.0]], [[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 0.0, 1.0]]]]> : tensor<1x2x3x3xf32>
  %w = nn.transpose %w0 {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x2x3x3xf32>) -> tensor<1x3x3x2xf32>
  %p = nn.pad %x {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, mode = "constant", value = 0.0 : f32} : (tensor<1x3x3x2xf32>) -> tensor<1x5x5x2xf32>
  %y = nn.conv2d %p, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x5x5x2xf32>, tensor<1x3x3x2xf32>) -> tensor<1x3x3x1xf32>
  %a = nn.transpose %y {perm = array<i64: 0, 3, 1, 2>} : (tensor<1x3x3x1xf32>) -> tensor<1x1x3x3xf32>
  %c = nn.clamp %a {min = 0.0 : f32, max = 6.0 : f32} : (tensor<1x1x3x3xf32>) -> tensor<1x1x3x3xf32>
  %b = nn.transpose %c {perm = array<i64: 0, 2, 3, 1>} : (tensor<1x1x3x3xf32>) -> tensor<1x3x3x1xf32>
  func.return %b : tensor<1x3x3x1xf32>
}

// -----

/// Nothing to optimize: the IR is unchanged.
// CHECK-LABEL: func.func @negative_optimize_nothing
// CHECK-NEXT:    %[[S:.*]] = nn.sigmoid %x
// CHECK-NEXT:    %[[T:.*]] = nn.transpose %[[S]]
// CHECK-NEXT:    func.return %[[T]]
func.func @negative_optimize_nothing(%x: tensor<2x3xf32>) -> tensor<3x2xf32> {
  %s = nn.sigmoid %x : (tensor<2x3xf32>) -> tensor<2x3xf32>
  %t = nn.transpose %s {perm = array<i64: 1, 0>} : (tensor<2x3xf32>) -> tensor<3x2xf32>
  func.return %t : tensor<3x2xf32>
}
