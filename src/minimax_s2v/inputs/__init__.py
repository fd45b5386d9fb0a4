"""Everything checked before the billed create: subject images (local, data, remote), prompts."""
