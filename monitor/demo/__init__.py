"""The offline demonstration: local sites on loopback, a local mail sink."""
