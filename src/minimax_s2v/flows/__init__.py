"""What each operation of the layer does, written once for the sync and the async client.

Flows yield effects (one API call, a sleep, a download) and read answers into results; the
clients only perform the effects. Task states, ids and wait timing are the vocabulary they share.
"""
