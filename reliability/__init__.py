"""The reliability suite (issue 7): permission matrix, OpenAPI fuzzing, hostile input, tokens, faults, soak.

Tests live in ``reliability/tests`` (marker ``reliability``); ``scripts/reliability.sh`` runs them all and prints
the figures each part records through ``reliability.figures``.
"""
