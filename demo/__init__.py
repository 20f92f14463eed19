"""``make demo``: a website and a call centre played against a running cxloop, and a
referent's webhook receiver that prints what arrives."""
