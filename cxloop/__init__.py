"""The composition root: the command line and the embedded stack that wire the services."""
