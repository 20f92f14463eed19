"""Touchpoint and journey statistics and the ops reports over the daily counters."""
