"""The clients and what they are built from: configuration, the key, retries, transports."""
