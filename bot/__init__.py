"""The chat platforms and the command line: adapters that translate, the core decides."""
