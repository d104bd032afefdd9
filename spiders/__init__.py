"""One spider per source kind, each declaring the ``platforms`` it reads.

The crawler finds them through Scrapy's spider loader (``SPIDER_MODULES``), never by importing
this package: a new source kind is one new module here with ``name`` and ``platforms``.
"""
