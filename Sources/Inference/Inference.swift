// Inference module: see README.md for the layer's role.
