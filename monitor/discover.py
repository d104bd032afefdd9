"""``pantau discover``: which social accounts do the official websites link, and which
registered accounts do they not?

The crawl (``crawler.discover``) returns the links; this module compares them with the
registry: a linked account already registered is *registered*, one that is not is *new* (written
as a registry row ready for ``registry import``, with the website's institution, region and
owner), and a registered account of the website's institution on a platform the site links
other accounts of, but not this one, is *unlinked* — forgotten by the office, or an impostor.
A link to an account the platform says is gone is *dead*: reported, never written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pantau.config.platforms import same_site_urls
from pantau.config.regions import candidate_accounts
from pantau.config.registry import dump_rows
from pantau.config.settings import Config
from pantau.crawler.social_links import SocialLink

NOT_SOCIAL = ("website", "feed")


@dataclass
class DiscoverReport:
    registered: list[SocialLink] = field(default_factory=list)
    new: list[dict[str, Any]] = field(default_factory=list)  # registry rows
    unlinked: list[tuple[dict[str, Any], str]] = field(default_factory=list)  # (account, website url)
    dead: list[tuple[SocialLink, str]] = field(default_factory=list)  # (link, why)
    unread: list[tuple[str, str]] = field(default_factory=list)  # (page url, error)

    def line(self) -> str:
        found = len(self.registered) + len(self.new)
        return f"found {found}, registered {len(self.registered)}, new {len(self.new)}, unlinked {len(self.unlinked)}"

    def messages(self) -> list[str]:
        out = [f"{a['id']} {a['url']}: not linked from {site}" for a, site in self.unlinked]
        out += [f"{link.url}: linked from {link.page} but gone" for link, _ in self.dead]
        out += [f"{url}: not read ({error})" for url, error in self.unread]
        return out


def websites_for(accounts: list[dict[str, Any]], ids: list[int]) -> list[dict[str, Any]]:
    """The websites to read: all registered ones, or those of the given accounts — a website
    itself, or the websites of a social account's institution."""
    live = [a for a in accounts if not a.get("retired_at")]
    sites = [a for a in live if a["platform"] == "website"]
    if not ids:
        return sites
    by_id = {a["id"]: a for a in accounts}
    missing = [i for i in ids if i not in by_id]
    if missing:
        raise LookupError(f"no account with id {', '.join(map(str, missing))}; see `pantau status`")
    chosen: dict[int, dict[str, Any]] = {}
    for i in ids:
        a = by_id[i]
        if a["platform"] == "website":
            chosen[a["id"]] = a
        else:
            for site in sites:
                if site["institution"] == a["institution"]:
                    chosen[site["id"]] = site
    return [chosen[k] for k in sorted(chosen)]


def _first_pages(links: list[SocialLink], sites: dict[int, dict[str, Any]]) -> dict[tuple[str, str], SocialLink]:
    """One link per account: from the lowest website id, its home page before other pages."""

    def order(link: SocialLink) -> tuple[int, bool, str]:
        home = sites[link.website_id]["url"] if link.website_id in sites else ""
        return (link.website_id or 0, link.page.rstrip("/") != home.rstrip("/"), link.page)

    out: dict[tuple[str, str], SocialLink] = {}
    for link in sorted(links, key=order):
        out.setdefault((link.platform, link.url), link)
    return out


def compare(
    accounts: list[dict[str, Any]],
    sites: list[dict[str, Any]],
    links: list[SocialLink],
    gone: dict[tuple[str, str], str],
) -> DiscoverReport:
    """The pure half of discover: links and the registry in, the report out."""
    report = DiscoverReport()
    by_site = {s["id"]: s for s in sites}
    registered = {}
    for a in accounts:
        for url in same_site_urls(a["url"]) if a["platform"] in NOT_SOCIAL else (a["url"],):
            registered[(a["platform"], url)] = a
    candidates = candidate_accounts()
    for key, link in _first_pages(links, by_site).items():
        if key in gone:
            report.dead.append((link, gone[key]))
        elif key in registered:
            report.registered.append(link)
        else:
            site = by_site[link.website_id]  # type: ignore[index]
            note = f"discovered on {link.page}"
            candidate = candidates.get(key)
            if candidate:
                note += f"; confirms the Wikidata candidate ({candidate['wikidata']}, {candidate['institution']})"
            report.new.append(
                {
                    "id": None,
                    "institution": site["institution"],
                    "region": site.get("region") or "",
                    "platform": link.platform,
                    "handle": link.handle,
                    "url": link.url,
                    "feed_url": "",
                    "owner_email": site.get("owner_email") or "",
                    "dormant_after_days": "",
                    "note": note,
                }
            )
    # Unlinked: per institution, the platforms its websites link any account of (dead ones
    # too: the site does link them), and the registered accounts of those platforms it does not.
    linked: dict[str, dict[str, str]] = {}  # institution -> platform -> first website linking it
    linked_urls: set[tuple[str, str, str]] = set()
    for link in sorted(links, key=lambda k: (k.website_id or 0, k.page)):
        linking = by_site.get(link.website_id)
        if linking is None:
            continue
        linked.setdefault(linking["institution"], {}).setdefault(link.platform, linking["url"])
        linked_urls.add((linking["institution"], link.platform, link.url))
    for a in accounts:
        if a.get("retired_at") or a["platform"] in NOT_SOCIAL:
            continue
        site_url = linked.get(a["institution"], {}).get(a["platform"])
        if site_url and (a["institution"], a["platform"], a["url"]) not in linked_urls:
            report.unlinked.append((a, site_url))
    return report


def discover(cfg: Config, db: Any, ids: list[int] | None = None, *, check_links: bool = True) -> DiscoverReport:
    """Read the websites, compare with the registry; writes nothing."""
    from pantau.crawler.discover import discover_links
    from pantau.storage.accounts import export_accounts

    accounts = export_accounts(db)
    sites = websites_for(accounts, list(ids or []))
    if not sites:
        return DiscoverReport()
    found = discover_links(cfg, sites, check_links=check_links)
    report = compare(accounts, sites, found.links, found.gone)
    report.unread = [(p.url, p.error) for p in found.problems]
    return report


def write_rows(rows: list[dict[str, Any]], out: str | Path) -> None:
    """The new accounts as a registry file: CSV for .csv, YAML for .yaml/.yml."""
    path = Path(out)
    suffix = path.suffix.lower()
    fmt = "csv" if suffix == ".csv" else "yaml" if suffix in (".yaml", ".yml") else None
    if fmt is None:
        raise ValueError(f"{path}: unknown registry format {suffix!r}; use .csv, .yaml or .yml")
    path.write_text(dump_rows(rows, fmt), encoding="utf-8")
