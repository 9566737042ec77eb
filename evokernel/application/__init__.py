"""The application: the kernel's flows, the evolution repository, configuration, runtime.

Rule: imports the domain (and the ``store``/``sandbox`` leaves), never
``evokernel.adapters`` or ``evokernel.demo`` (tests/test_layers.py). The agent is a
port here (``kernel.agent``); adapters implement it.
"""
