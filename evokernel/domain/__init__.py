"""The domain: models, events, signals, views and the pure decisions over them.

Rule: imports nothing of ``evokernel.application``, ``evokernel.adapters`` or
``evokernel.demo`` (tests/test_layers.py). No I/O: functions over values.
"""
