"""Demo support: bundled sample repositories and the scenario runner.

Rule: used by adapters, scenarios and tests only; the domain and the application
never import it (tests/test_layers.py).
"""
