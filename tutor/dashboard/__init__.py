"""What the teachers' dashboard (`bot/web/`) reads and changes: sign-in links, who teaches
which course, and the pages' data. The web adapter asks here; it never opens a session."""
