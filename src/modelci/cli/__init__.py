"""The command line: parses options, calls one library operation, renders its result."""
