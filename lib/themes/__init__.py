"""Thematic analysis: the codebook, auto-coding with sentiment, human review, emerging themes and the explorer."""
