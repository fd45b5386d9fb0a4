"""The `minimax-video` command: one click group, one run context, one way to run a command."""
