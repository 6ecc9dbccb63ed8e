"""Model analysis shared by `edgeai generate`'s report and `edgeai analyze`: MACC, weights, layers."""
