"""The only places that touch private names of the libraries we build on, one module per library.

Each use says why it is there; ``eventsite/tests/test_seams.py`` fails loudly when a library changes one, and
``eventsite/tests/test_public_apis.py`` fails when code outside this package reaches for a private name.
"""
