"""microlearn: lessons written as YAML + markdown in, house-format videos, captions, cards and bundles out."""

__version__ = "0.1.0"
