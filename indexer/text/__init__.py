"""Text: Unicode and accent normalisation, accent restoration, abbreviations, word segmentation, tokens,
highlights, document references."""
