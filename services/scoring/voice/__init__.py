"""Reading a customer's verbatim: language, sentiment, emotions and irritant topics.

Pure and local: lexicons and rules kept in this package, lemmas from simplemma's packaged
dictionaries; nothing is fetched at run time. ``analyse`` is the entry point.
"""
