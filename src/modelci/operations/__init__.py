"""Operations: what each command does, as functions that take an explicit context and return data.
They never print; progress goes to a callback the caller chooses."""
