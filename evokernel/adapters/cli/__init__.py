"""The ``evokernel`` command: typer app, one module per command group."""
