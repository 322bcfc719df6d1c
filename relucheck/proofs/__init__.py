"""Interval proofs."""
