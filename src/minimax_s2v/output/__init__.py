"""Everything that touches the user's disk: where a video may be written, and the download sink."""
