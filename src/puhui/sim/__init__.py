"""Synthetic borrowers and a simulated lending business, deterministic by seed."""
