"""Pure metrology computation.

Nothing in this package performs database, web, file or network I/O or reads settings.
Numbers, arrays and frozen dataclasses go in; the same come out.
"""
