"""The upload limits, read from the config in one place."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from portal.config import Config


@dataclass(frozen=True)
class UploadLimits:
    """Bytes per file (MAX_CONTENT_LENGTH), PDF pages (MAX_DOCUMENT_PAGES) and photo pixels
    (MAX_IMAGE_PIXELS); a feature may only lower them (`capped`)."""

    max_bytes: int
    max_pages: int
    max_pixels: int

    @classmethod
    def from_config(cls, config: Config) -> UploadLimits:
        return cls(
            max_bytes=int(config.max_content_length),
            max_pages=int(config.max_document_pages),
            max_pixels=int(config.max_image_pixels),
        )

    @classmethod
    def current(cls) -> UploadLimits:
        from flask import current_app

        return cls.from_config(current_app.extensions["portal_config"])

    def capped(self, *, max_bytes: int | None = None, max_pages: int | None = None) -> UploadLimits:
        return UploadLimits(
            max_bytes=min(self.max_bytes, max_bytes) if max_bytes else self.max_bytes,
            max_pages=min(self.max_pages, max_pages) if max_pages else self.max_pages,
            max_pixels=self.max_pixels,
        )
