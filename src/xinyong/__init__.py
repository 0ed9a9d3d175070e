"""xinyong (信用): the public credit information platform and credit-based supervision system."""

__version__ = "0.1.0"
