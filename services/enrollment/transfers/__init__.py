"""Transfers (关系转移接续): out and in, within and across pooling areas."""
