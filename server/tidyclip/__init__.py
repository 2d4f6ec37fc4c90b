"""tidyclip: a one-click web clipper that keeps your reading on your own machine."""

import logging

__version__ = "0.1.0"
__all__ = ["__version__"]

logging.getLogger(__name__).addHandler(logging.NullHandler())
