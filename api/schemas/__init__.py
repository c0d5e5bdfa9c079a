"""Request and response shapes of the HTTP API: ``XCreate`` in, ``XUpdate`` in, ``XRead`` out."""
