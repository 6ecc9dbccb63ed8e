"""Same-level passes, one per file (`nn_fold_batchnorm.py` is `nn-fold-batchnorm`).

Nothing is imported here: passes load lazily through the registry in `edgeai.support.universe`.
The `nn` graph optimizer and its order are described in docs/passes.md.
"""
