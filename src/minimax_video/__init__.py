"""MiniMax S2V-01: from a face photo and a prompt to a video file (hand-written layer)."""
