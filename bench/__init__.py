"""``make bench``: throughput and latency of cxloop, each beside the raw limit measured in
the same run on the same machine.

Every section is an async function that takes the shared :class:`bench.context.Bench` and
returns table rows; :data:`bench.runner.SECTIONS` lists them in the order they run.
"""
