"""Net-content inspections of prepackaged goods, statistics and the C-mark self-declaration register."""
