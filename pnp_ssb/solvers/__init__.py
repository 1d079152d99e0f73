"""Newton with continuation, its stopping rules, constraint rows, scalar root finding."""
