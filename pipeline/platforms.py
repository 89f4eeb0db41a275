"""Short-video platforms a lesson can be posted to, and their limits (docs/social.md "Platforms").

One table (``PLATFORMS``): what each platform takes (the format, the frame size, the longest and
shortest video, the largest file) with where the number comes from. ``lesson.yaml`` names the
platforms a lesson is for (``platforms: [vk-clips, tiktok]``); every limit that can be known is
checked as early as it can be: the format at ``check``, the length before any encoding (the
transcode plan), the frame size and file size of the built video in the social stage.
Platforms change their limits: a correction is one line here.
"""
from __future__ import annotations

from dataclasses import dataclass

from pipeline.i18n import _


@dataclass(frozen=True)
class Platform:
    key: str  # as written in lesson.yaml
    name: str  # as people say it
    format: str  # the lesson format posted there
    size: tuple[int, int]  # the frame size it is made for (ours: the house 9:16 size)
    max_seconds: float
    min_seconds: float = 0.0
    max_bytes: int | None = None  # None: the platform publishes no file-size limit we could find
    source: str = ""  # where the limits come from

    def too_long(self, seconds: float) -> str | None:
        """What is wrong with a video of ``seconds`` for this platform, or None."""
        if seconds > self.max_seconds + 1e-6:
            return _("the video would last {seconds} s, over the {limit} s {platform} allows",
                     seconds=f"{seconds:.1f}", limit=f"{self.max_seconds:g}", platform=self.name)
        if seconds < self.min_seconds - 1e-6:
            return _("the video would last {seconds} s, under the {limit} s {platform} requires",
                     seconds=f"{seconds:.1f}", limit=f"{self.min_seconds:g}", platform=self.name)
        return None


GB = 1024 ** 3
MB = 1024 ** 2
PLATFORMS: dict[str, Platform] = {p.key: p for p in (
    Platform("vk-clips", "VK Clips", "9:16", (1080, 1920), 180.0,
             source="VK's announcement that clips may last up to 3 minutes (2023); VK publishes no file-size limit for clips"),
    Platform("youtube-shorts", "YouTube Shorts", "9:16", (1080, 1920), 180.0, max_bytes=256 * GB,
             source="YouTube Help 'Understand three-minute YouTube Shorts' (square or vertical, up to 3 minutes, "
                    "uploads from 15 October 2024); 'Upload videos longer than 15 minutes' (256 GB per file)"),
    Platform("instagram-reels", "Instagram Reels", "9:16", (1080, 1920), 180.0, min_seconds=3.0, max_bytes=300 * MB,
             source="Instagram's announcement of 3-minute Reels (January 2025); Meta's Graph API Reels "
                    "specification (3 s at least, 300 MB at most, 9:16 recommended, 1080x1920)"),
    Platform("tiktok", "TikTok", "9:16", (1080, 1920), 600.0, max_bytes=4 * GB,
             source="TikTok Help 'Uploading videos' (up to 10 minutes in the app); TikTok Content Posting API "
                    "media transfer guide (4 GB at most)"),
)}


def describe_size(size: int) -> str:
    return f"{size / GB:g} GB" if size >= GB else f"{size / MB:g} MB"
