"""Course management: config, assignments, release, exchange, gradebook, feedback, export."""
