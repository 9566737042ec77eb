"""Benchmarks behind ``evokernel bench``: each module measures one part and returns a model.

Harnesses are imported by the CLI lazily, one module per benchmark, so importing
``evokernel`` never pulls them in.
"""

from __future__ import annotations
