"""Search over text chunks with metadata: knows chunks, not courses (see ARCHITECTURE.md)."""
