"""Where a download lands: a file path, an existing folder, or a folder to create ("videos/")."""

from __future__ import annotations

from pathlib import Path

from minimax_s2v.output.download import resolve_target


def test_trailing_separator_names_a_new_folder(tmp_path: Path) -> None:
    target = resolve_target(f"{tmp_path}/videos/", 42, "a.mp4")
    assert target == tmp_path / "videos" / "42.mp4"
    assert (tmp_path / "videos").is_dir()


def test_existing_folder_gets_the_file_id_name(tmp_path: Path) -> None:
    assert resolve_target(tmp_path, 7, "output_aigc.mp4") == tmp_path / "7.mp4"


def test_unsafe_suffix_from_upstream_falls_back_to_mp4(tmp_path: Path) -> None:
    assert resolve_target(tmp_path, 7, "x.mp4;rm -rf") == tmp_path / "7.mp4"


def test_plain_path_is_used_as_is(tmp_path: Path) -> None:
    assert resolve_target(tmp_path / "new" / "clip.mp4", 7, None) == tmp_path / "new" / "clip.mp4"
