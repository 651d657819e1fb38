"""The releases the portal can show, read from the release store's table and their bundles.

Only the store's rows and the bundle readers (releases/frozen.py, bundle.py, model.py) are used:
the portal never opens the engine, the lake or a stored run (tests/core/test_architecture.py).
A bundle is immutable once submitted, so its frozen content is cached by its content hash.
"""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from ..config import Settings
from ..releases.bundle import read_manifest
from ..releases.frozen import FrozenContent, read_frozen
from ..releases.model import Release, State
from ..releases.publication import read_publication
from ..releases.suppression import small_figure
from ..releases.store import ReleaseRow, release_from_row, session_scope


def _release(settings: Settings, row: ReleaseRow) -> Release:
    return release_from_row(settings, row)


def all_releases(settings: Settings) -> list[Release]:
    with session_scope(settings) as session:
        rows = session.scalars(select(ReleaseRow).order_by(ReleaseRow.admdvs, ReleaseRow.period.desc(),
                                                           ReleaseRow.kind, ReleaseRow.version.desc()))
        return [_release(settings, r) for r in rows]


def find_release(settings: Settings, release_id: str) -> Release | None:
    with session_scope(settings) as session:
        row = session.get(ReleaseRow, release_id)
        return _release(settings, row) if row is not None else None


@lru_cache(maxsize=32)
def _frozen(bundle_dir: str, content_hash: str) -> FrozenContent:
    return read_frozen(Path(bundle_dir))


def frozen(release: Release) -> FrozenContent:
    return _frozen(str(release.bundle_dir), release.content_hash)


def institutions(release: Release) -> dict[str, dict]:
    """The release's institutions (institutions.json) by code."""
    return {i["code"]: i for i in frozen(release).institutions}


@lru_cache(maxsize=64)
def _publication(bundle_dir: str, content_hash: str) -> dict:
    """publication.json and the manifest's threshold, read alone (no table): cheap enough for
    every list of releases. Adds `counties`: the counties of the audience's institutions."""
    bundle = Path(bundle_dir)
    rules = read_publication(bundle)
    if "small_count_threshold" not in rules:  # bundles frozen before publication.json
        suppression = read_manifest(bundle).get("small_count_suppression") or {}
        rules = {**rules, "small_count_threshold": suppression.get("threshold", 5)}
    codes = rules.get("audience_codes")
    counties = None
    if codes is not None:
        directory = json.loads((bundle / "institutions.json").read_text(encoding="utf-8"))
        counties = sorted({i.get("admdvs") for i in directory if i["code"] in set(codes) and i.get("admdvs")})
    return {**rules, "counties": counties}


def publication(release: Release) -> dict:
    """The release's publication rules (releases/publication.py): audience codes, internal-only
    indicators left out, small-count threshold."""
    if not release.bundle_dir.exists():
        return {"audience_codes": None, "counties": None, "internal_dropped": [], "small_count_threshold": 5}
    return _publication(str(release.bundle_dir), release.content_hash)


def threshold(release: Release) -> int:
    return int(publication(release).get("small_count_threshold") or 5)


@lru_cache(maxsize=32)
def _tables(bundle_dir: str, content_hash: str) -> dict:
    content = _frozen(bundle_dir, content_hash)
    limit = int(_publication(bundle_dir, content_hash).get("small_count_threshold") or 5)
    units = {i["id"]: i.get("unit") for i in content.indicators}
    by_institution: dict[str, list[dict]] = {}
    series: dict[str, dict[str, dict]] = {}
    for table in (t for t in (content.history, content.results) if t is not None):
        for row in table.select(["indicator_id", "scope", "fixmedins_code", "period", "value", "denominator"]).to_pylist():
            if row["scope"] == "institution" and row["fixmedins_code"]:
                small = small_figure(units.get(row["indicator_id"]), row["value"], row["denominator"], limit)
                series.setdefault(row["fixmedins_code"], {}).setdefault(row["indicator_id"], {})[row["period"]] = (
                    None if small else row["value"])  # a month from too few cases is a gap in the chart
    results = content.results.to_pylist()
    for row in results:
        if row["scope"] == "institution" and row["fixmedins_code"]:
            by_institution.setdefault(row["fixmedins_code"], []).append(row)
    # the figures the peers tables rank (the window's for quarterly and annual releases)
    ranked = content.window_results if content.window_results is not None else content.results
    small_peers = {}
    for row in ranked.select(["indicator_id", "scope", "fixmedins_code", "value", "denominator"]).to_pylist():
        if row["scope"] == "institution" and row["fixmedins_code"]:
            small = small_figure(units.get(row["indicator_id"]), row["value"], row["denominator"], limit)
            if small:
                small_peers[(row["indicator_id"], row["fixmedins_code"])] = small
    return {"results": results, "by_institution": by_institution, "series": series, "units": units,
            "small_peers": small_peers, "threshold": limit, "findings": content.findings.to_pylist()}


def tables(release: Release) -> dict:
    """The frozen tables as rows, indexed by institution (built once per bundle)."""
    return _tables(str(release.bundle_dir), release.content_hash)


@lru_cache(maxsize=64)
def _files(bundle_dir: str, content_hash: str) -> tuple[str, ...]:
    return tuple(f["path"] for f in read_manifest(Path(bundle_dir))["files"])


def files(release: Release) -> tuple[str, ...]:
    """The bundle's listed files (its manifest; the content hash changes whenever they do)."""
    return _files(str(release.bundle_dir), release.content_hash)


WARM_BUNDLES = 6  # bundles a worker reads before its first request (a few MB each in memory)


def newest_published(settings: Settings, limit: int = WARM_BUNDLES) -> list[Release]:
    """The newest published version of each region's kinds of release, newest first: what most
    readers open after a release is announced."""
    newest: dict[tuple[str, str], Release] = {}
    for release in all_releases(settings):  # newest period and version first within a region
        if release.state == State.PUBLISHED and release.bundle_dir.exists():
            newest.setdefault((release.admdvs, release.kind), release)
    chosen = sorted(newest.values(), key=lambda r: (r.published_at is not None, r.published_at, r.period), reverse=True)
    return chosen[:limit]


def warm(settings: Settings, limit: int = WARM_BUNDLES) -> int:
    """Read the newest published bundles into this process's caches (their tables and rules), so
    that the first readers after a restart do not each wait for a worker to read them (about
    0.2 s of CPU per bundle and worker). Returns how many. A bundle that cannot be read is left to
    the request that asks for it, which reports the error."""
    done = 0
    for release in newest_published(settings, limit):
        try:
            tables(release)
            publication(release)
            files(release)
        except (OSError, ValueError, KeyError):
            continue
        done += 1
    return done
