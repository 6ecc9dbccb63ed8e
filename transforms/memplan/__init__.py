"""The arena memory planner behind `mem-plan-arena` (transforms/mem_plan_arena.py).

`model` (buffers, steps, liveness, lower bound), `schedule` (execution orders), `inplace`
(element-wise outputs over dying inputs), `place` (offsets), `planner` (the bounded search).
"""
