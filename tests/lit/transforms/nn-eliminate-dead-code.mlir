// RUN: edgeai-opt %s --pass-pipeline=nn-eliminate-dead-code --split-input-file | filecheck %s

/// A chain of unused ops (and the constant feeding it) disappears entirely.
// CHECK-LABEL: func.func @dce_chain
// CHECK-NEXT:    %[[R:.*]] = nn.relu %x
// CHECK-NEXT:    func.return %[[R]]
func.func @dce_chain(%x: tensor<4xf32>) -> tensor<4xf32> {
  %c = nn.constant dense<1.0> : tensor<4xf32>
  %a = nn.add %x, %c : (tensor<4xf32>, tensor<4xf32>) -> tensor<4xf32>
  %b = nn.sigmoid %a : (tensor<4xf32>) -> tensor<4xf32>
  %r = nn.relu %x : (tensor<4xf32>) -> tensor<4xf32>
  func.return %r : tensor<4xf32>
}

// -----

/// A multi-result op dies only when none of its results is used.
// CHECK-LABEL: func.func @dce_multi_result
// CHECK-NEXT:    %{{.*}}, %[[B:.*]] = nn.split %x
// CHECK-NEXT:    func.return %[[B]]
func.func @dce_multi_result(%x: tensor<4xf32>) -> tensor<2xf32> {
  %a, %b = nn.split %x {axis = 0 : i64} : (tensor<4xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  %dead:2 = nn.split %x {axis = 0 : i64} : (tensor<4xf32>) -> (tensor<2xf32>, tensor<2xf32>)
  func.return %b : tensor<2xf32>
}

// -----

/// Unused function arguments, the return and used ops are never touched.
// CHECK-LABEL: func.func @negative_dce_args_and_return(%x: tensor<4xf32>, %unused: tensor<4xf32>)
// CHECK-NEXT:    %[[C:.*]] = nn.constant
// CHECK-NEXT:    func.return %[[C]]
func.func @negative_dce_args_and_return(%x: tensor<4xf32>, %unused: tensor<4xf32>) -> tensor<4xf32> {
  %c = nn.constant dense<2.0> : tensor<4xf32>
  func.return %c : tensor<4xf32>
}

// -----

/// Ops with side effects stay even when their results are unused.
// CHECK-LABEL: func.func @negative_dce_side_effect
// CHECK:         func.call @g
func.func private @g(tensor<4xf32>) -> tensor<4xf32>
func.func @negative_dce_side_effect(%x: tensor<4xf32>) -> tensor<4xf32> {
  %y = func.call @g(%x) : (tensor<4xf32>) -> tensor<4xf32>
  func.return %x : tensor<4xf32>
}
