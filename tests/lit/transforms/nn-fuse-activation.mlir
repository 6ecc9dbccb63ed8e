// RUN: edgeai-opt %s --pass-pipeline=nn-fuse-activation --split-input-file | filecheck %s

/// ReLU after a conv becomes its fused activation; the conv keeps its layer name.
// CHECK-LABEL: func.func @fuse_relu_into_conv
// CHECK-NEXT:    %[[Y:.*]] = nn.conv2d %x, %w {layer = "conv", {{.*}}act = #nn.act<relu>}
// CHECK-NEXT:    func.return %[[Y]]
func.func @fuse_relu_into_conv(%x: tensor<1x2x2x1xf32>, %w: tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32> {
  %y = nn.conv2d %x, %w {layer = "conv", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x2x2x1xf32>, tensor<2x1x1x1xf32>) -> tensor<1x2x2x2xf32>
  %r = nn.relu %y {layer = "relu"} : (tensor<1x2x2x2xf32>) -> tensor<1x2x2x2xf32>
  func.return %r : tensor<1x2x2x2xf32>
}

// -----

/// clamp [0, 6] is ReLU6.
// CHECK-LABEL: func.func @fuse_relu6_into_add
// CHECK-NEXT:    %[[Y:.*]] = nn.add %a, %b {act = #nn.act<relu6>}
// CHECK-NEXT:    func.return %[[Y]]
func.func @fuse_relu6_into_add(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %y = nn.add %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %r = nn.clamp %y {min = 0.0 : f32, max = 6.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

/// A clamp after a producer that already has an activation: the bounds intersect.
// CHECK-LABEL: func.func @fuse_clamp_compose
// CHECK-NEXT:    %[[Y:.*]] = nn.max_pool2d %x {{.*}}act = #nn.act<clamp 0.0, 3.0>}
// CHECK-NEXT:    func.return %[[Y]]
func.func @fuse_clamp_compose(%x: tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32> {
  %y = nn.max_pool2d %x {kernel = array<i64: 2, 2>, strides = array<i64: 2, 2>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, act = #nn.act<relu>} : (tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32>
  %r = nn.clamp %y {min = -1.0 : f32, max = 3.0 : f32} : (tensor<1x1x1x1xf32>) -> tensor<1x1x1x1xf32>
  func.return %r : tensor<1x1x1x1xf32>
}

// -----

/// Quantized: fused when the activation keeps the element type.
// CHECK-LABEL: func.func @fuse_relu_into_quantized_add
// CHECK-NEXT:    %[[Y:.*]] = nn.add %a, %b {act = #nn.act<relu>}
// CHECK-NEXT:    func.return %[[Y]]
func.func @fuse_relu_into_quantized_add(%a: tensor<4x!nn.q<i8, 0.5:-3>>, %b: tensor<4x!nn.q<i8, 0.5:-3>>) -> tensor<4x!nn.q<i8, 0.25:1>> {
  %y = nn.add %a, %b : (tensor<4x!nn.q<i8, 0.5:-3>>, tensor<4x!nn.q<i8, 0.5:-3>>) -> tensor<4x!nn.q<i8, 0.25:1>>
  %r = nn.relu %y : (tensor<4x!nn.q<i8, 0.25:1>>) -> tensor<4x!nn.q<i8, 0.25:1>>
  func.return %r : tensor<4x!nn.q<i8, 0.25:1>>
}

// -----

/// Quantized relu that also requantizes: not a pure clamp of the producer.
// CHECK-LABEL: func.func @negative_fuse_requantizing_relu
// CHECK:         nn.relu
func.func @negative_fuse_requantizing_relu(%a: tensor<4x!nn.q<i8, 0.5:-3>>, %b: tensor<4x!nn.q<i8, 0.5:-3>>) -> tensor<4x!nn.q<i8, 0.5:0>> {
  %y = nn.add %a, %b : (tensor<4x!nn.q<i8, 0.5:-3>>, tensor<4x!nn.q<i8, 0.5:-3>>) -> tensor<4x!nn.q<i8, 0.25:1>>
  %r = nn.relu %y : (tensor<4x!nn.q<i8, 0.25:1>>) -> tensor<4x!nn.q<i8, 0.5:0>>
  func.return %r : tensor<4x!nn.q<i8, 0.5:0>>
}

// -----

/// ReLU after an integer-accumulator conv: an i32 result cannot carry an activation.
// CHECK-LABEL: func.func @negative_fuse_relu_integer_accumulator
// CHECK:         nn.conv2d
// CHECK-NOT:     #nn.act
// CHECK:         nn.relu
func.func @negative_fuse_relu_integer_accumulator(%x: tensor<1x2x2x1x!nn.q<i8, 0.5:0>>, %w: tensor<2x1x1x1x!nn.q<i8, 0.5:0>>) -> tensor<1x2x2x2xi32> {
  %y = nn.conv2d %x, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x2x2x1x!nn.q<i8, 0.5:0>>, tensor<2x1x1x1x!nn.q<i8, 0.5:0>>) -> tensor<1x2x2x2xi32>
  %r = nn.relu %y : (tensor<1x2x2x2xi32>) -> tensor<1x2x2x2xi32>
  func.return %r : tensor<1x2x2x2xi32>
}

// -----

/// The producer has another user that needs the unclamped values.
// CHECK-LABEL: func.func @negative_fuse_relu_two_uses
// CHECK:         nn.add %a, %b :
// CHECK:         nn.relu
func.func @negative_fuse_relu_two_uses(%a: tensor<4xf32>, %b: tensor<4xf32>) -> (tensor<4xf32>, tensor<4xf32>) {
  %y = nn.add %a, %b : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %r = nn.relu %y : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r, %y : tensor<4xf32>, tensor<4xf32>
}

// -----

/// The producer has no `act` property.
// CHECK-LABEL: func.func @negative_fuse_relu_after_sigmoid
// CHECK:         nn.sigmoid
// CHECK-NEXT:    nn.relu
func.func @negative_fuse_relu_after_sigmoid(%a: tensor<4xf32>) -> tensor<4xf32> {
  %y = nn.sigmoid %a : (tensor<4xf32>) -> tensor<4xf32>
  %r = nn.relu %y : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

/// Disjoint bounds ([0, 6] then [7, 8]) do not compose into one clamp.
// CHECK-LABEL: func.func @negative_fuse_disjoint_clamps
// CHECK:         nn.add %a, %b {act = #nn.act<relu6>}
// CHECK-NEXT:    nn.clamp
func.func @negative_fuse_disjoint_clamps(%a: tensor<4xf32>, %b: tensor<4xf32>) -> tensor<4xf32> {
  %y = nn.add %a, %b {act = #nn.act<relu6>} : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %r = nn.clamp %y {min = 7.0 : f32, max = 8.0 : f32} : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}
