"""upheld: an ombudsman's annual review of the councils it oversees."""

__version__ = "0.1.0"
