"""hfscan: which deep-learning frameworks can the Hugging Face Hub's models be used with, over time."""

__version__ = "0.1.0"
