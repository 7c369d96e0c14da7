"""What config.yaml says about the replay source: which file, how it is timed, whose posts."""

from __future__ import annotations

from pathlib import Path

from pydantic import Field

from monitor.collectors.base import BrandSourceSettings, SourceSettings

#: The sample shipped inside the package: airline customer-care tweets and added replies.
BUNDLED_SAMPLE = Path(__file__).resolve().parents[2] / "data" / "sample_posts.jsonl"


class ReplaySettings(SourceSettings):
    """``sources.replay``: a JSON Lines or CSV file in the import format, replayed in pages."""

    #: The file to replay (relative paths from the working directory); default: the sample.
    path: str | None = None
    #: Move every timestamp by one fixed amount so the newest post lands just before now.
    shift_to_now: bool = True
    #: How long before now the newest post lands when shifted.
    shift_margin_minutes: float = Field(default=5, ge=0, le=7 * 24 * 60)
    batch_size: int = Field(default=500, ge=1, le=10_000)

    @property
    def file(self) -> Path:
        """The file to replay."""
        return Path(self.path).expanduser() if self.path else BUNDLED_SAMPLE


class ReplayBrandSettings(BrandSourceSettings):
    """``brands[i].sources.replay``: the brand's accounts and which file rows are its own."""

    #: Values of the rows' ``brand`` field that mean this target (case-insensitive);
    #: empty means the target's own name.
    brand_names: list[str] = Field(default_factory=list)
