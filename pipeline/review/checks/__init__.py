"""One module per family of checks; each registers itself with pipeline.review.registry.check."""
