"""Corrective tasks: the inner loop, one task per customer and touchpoint while it is open."""
