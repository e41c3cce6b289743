"""Embedding: the offline e5-small model, the sentence-transformers embedder, the ONNX query encoder."""
