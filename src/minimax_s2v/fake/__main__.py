"""`python -m minimax_s2v.fake`: the same entry point as `minimax-video fake-server`."""

from __future__ import annotations


def main() -> None:
    from minimax_s2v.cli.app import fake_server_main

    fake_server_main()


if __name__ == "__main__":
    main()
