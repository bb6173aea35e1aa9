"""Default codebooks and sample articles, installed as ``annotator.resources``."""
