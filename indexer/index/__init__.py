"""The index: build, the versioned atomic store, lexical (BM25) and dense (faiss) indexes, freshness, live reload."""
