"""Package data: the example model shown in the calculator."""
