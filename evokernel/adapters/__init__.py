"""Adapters: the CLI, servers, agents, GitHub, the network, the devloop, benchmarks.

Rule: may import the application and the domain; nothing below imports them
(tests/test_layers.py).
"""
