// RUN: edgeai-opt %s --pass-pipeline=nn-fuse-pad --split-input-file | filecheck %s

/// A zero pad of H and W before a conv adds to its padding [top, left, bottom, right].
// CHECK-LABEL: func.func @fuse_pad_into_conv
// CHECK-NOT:     nn.pad
// CHECK:         %[[Y:.*]] = nn.conv2d %x, %w {layer = "conv", {{.*}}padding = array<i64: 2, 1, 0, 2>
// CHECK-NEXT:    func.return %[[Y]]
func.func @fuse_pad_into_conv(%x: tensor<1x3x3x1xf32>, %w: tensor<2x3x3x1xf32>) -> tensor<1x3x4x2xf32> {
  %p = nn.pad %x {layer = "pad", pads = array<i64: 0, 1, 0, 0, 0, 0, 1, 0>, mode = "constant", value = 0.0 : f32} : (tensor<1x3x3x1xf32>) -> tensor<1x4x4x1xf32>
  %y = nn.conv2d %p, %w {layer = "conv", strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 1, 1, 0, 1>, groups = 1 : i64} : (tensor<1x4x4x1xf32>, tensor<2x3x3x1xf32>) -> tensor<1x3x4x2xf32>
  func.return %y : tensor<1x3x4x2xf32>
}

// -----

/// Quantized depthwise conv: the real value 0 is the zero point it pads with.
// CHECK-LABEL: func.func @fuse_pad_into_quantized_depthwise
// CHECK-NOT:     nn.pad
// CHECK:         nn.depthwise_conv2d %x, %w {{.*}}padding = array<i64: 1, 1, 1, 1>
func.func @fuse_pad_into_quantized_depthwise(%x: tensor<1x2x2x1x!nn.q<i8, 0.5:3>>, %w: tensor<1x3x3x1x!nn.q<i8, 0.5:0>>) -> tensor<1x2x2x1x!nn.q<i8, 0.5:3>> {
  %p = nn.pad %x {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, mode = "constant", value = 0.0 : f32} : (tensor<1x2x2x1x!nn.q<i8, 0.5:3>>) -> tensor<1x4x4x1x!nn.q<i8, 0.5:3>>
  %y = nn.depthwise_conv2d %p, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x1x!nn.q<i8, 0.5:3>>, tensor<1x3x3x1x!nn.q<i8, 0.5:0>>) -> tensor<1x2x2x1x!nn.q<i8, 0.5:3>>
  func.return %y : tensor<1x2x2x1x!nn.q<i8, 0.5:3>>
}

// -----

/// Average pooling counts the fused rows/columns like input positions.
// CHECK-LABEL: func.func @fuse_pad_into_avg_pool
// CHECK-NOT:     nn.pad
// CHECK:         nn.avg_pool2d %x {{.*}}padding = array<i64: 1, 1, 1, 1>, count_include_pad = 1 : i64, counted_padding = array<i64: 1, 1, 0, 0>}
func.func @fuse_pad_into_avg_pool(%x: tensor<1x2x2x1xf32>) -> tensor<1x3x3x1xf32> {
  %p = nn.pad %x {pads = array<i64: 0, 1, 1, 0, 0, 0, 0, 0>, mode = "constant", value = 0.0 : f32} : (tensor<1x2x2x1xf32>) -> tensor<1x3x3x1xf32>
  %y = nn.avg_pool2d %p {kernel = array<i64: 2, 2>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 1, 1>, count_include_pad = 0 : i64} : (tensor<1x3x3x1xf32>) -> tensor<1x3x3x1xf32>
  func.return %y : tensor<1x3x3x1xf32>
}

// -----

/// A -inf pad never wins a max: it joins the max pool's padding.
// CHECK-LABEL: func.func @fuse_neg_inf_pad_into_max_pool
// CHECK-NOT:     nn.pad
// CHECK:         nn.max_pool2d %x {{.*}}padding = array<i64: 0, 0, 1, 1>
func.func @fuse_neg_inf_pad_into_max_pool(%x: tensor<1x2x2x1xf32>) -> tensor<1x3x3x1xf32> {
  %p = nn.pad %x {pads = array<i64: 0, 0, 0, 0, 0, 1, 1, 0>, mode = "constant", value = 0xFF800000 : f32} : (tensor<1x2x2x1xf32>) -> tensor<1x3x3x1xf32>
  %y = nn.max_pool2d %p {kernel = array<i64: 1, 1>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x3x3x1xf32>) -> tensor<1x3x3x1xf32>
  func.return %y : tensor<1x3x3x1xf32>
}

// -----

/// A zero pad before a max pool would win over negative inputs.
// CHECK-LABEL: func.func @negative_fuse_zero_pad_into_max_pool
// CHECK:         nn.pad
func.func @negative_fuse_zero_pad_into_max_pool(%x: tensor<1x2x2x1xf32>) -> tensor<1x1x1x1xf32> {
  %p = nn.pad %x {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, mode = "constant", value = 0.0 : f32} : (tensor<1x2x2x1xf32>) -> tensor<1x4x4x1xf32>
  %y = nn.max_pool2d %p {kernel = array<i64: 4, 4>, strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>} : (tensor<1x4x4x1xf32>) -> tensor<1x1x1x1xf32>
  func.return %y : tensor<1x1x1x1xf32>
}

// -----

/// A pad with a nonzero value is not the conv's implicit zero padding.
// CHECK-LABEL: func.func @negative_fuse_pad_nonzero_value
// CHECK:         nn.pad
func.func @negative_fuse_pad_nonzero_value(%x: tensor<1x1x1x1xf32>, %w: tensor<1x1x1x1xf32>) -> tensor<1x3x3x1xf32> {
  %p = nn.pad %x {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, mode = "constant", value = 1.0 : f32} : (tensor<1x1x1x1xf32>) -> tensor<1x3x3x1xf32>
  %y = nn.conv2d %p, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x3x3x1xf32>, tensor<1x1x1x1xf32>) -> tensor<1x3x3x1xf32>
  func.return %y : tensor<1x3x3x1xf32>
}

// -----

/// Padding the channel dimension, reflect mode, or a pad with a second user: not fused.
// CHECK-LABEL: func.func @negative_fuse_pad_channels_reflect_shared
// CHECK-COUNT-3: nn.pad
func.func @negative_fuse_pad_channels_reflect_shared(%x: tensor<1x2x2x1xf32>, %w: tensor<1x1x1x2xf32>, %v: tensor<1x1x1x1xf32>) -> (tensor<1x2x2x1xf32>, tensor<1x4x4x1xf32>, tensor<1x4x4x1xf32>) {
  %p = nn.pad %x {pads = array<i64: 0, 0, 0, 0, 0, 0, 0, 1>, mode = "constant", value = 0.0 : f32} : (tensor<1x2x2x1xf32>) -> tensor<1x2x2x2xf32>
  %y = nn.conv2d %p, %w {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x2x2x2xf32>, tensor<1x1x1x2xf32>) -> tensor<1x2x2x1xf32>
  %r = nn.pad %x {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, mode = "reflect", value = 0.0 : f32} : (tensor<1x2x2x1xf32>) -> tensor<1x4x4x1xf32>
  %z = nn.conv2d %r, %v {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x4x4x1xf32>, tensor<1x1x1x1xf32>) -> tensor<1x4x4x1xf32>
  %s = nn.pad %x {pads = array<i64: 0, 1, 1, 0, 0, 1, 1, 0>, mode = "constant", value = 0.0 : f32} : (tensor<1x2x2x1xf32>) -> tensor<1x4x4x1xf32>
  %u = nn.conv2d %s, %v {strides = array<i64: 1, 1>, dilations = array<i64: 1, 1>, padding = array<i64: 0, 0, 0, 0>, groups = 1 : i64} : (tensor<1x4x4x1xf32>, tensor<1x1x1x1xf32>) -> tensor<1x4x4x1xf32>
  func.return %y, %z, %s : tensor<1x2x2x1xf32>, tensor<1x4x4x1xf32>, tensor<1x4x4x1xf32>
}
