"""The compromise scan: online-gambling injection, cloaking and defacement, from fetched bytes.

Pure functions over bodies a check already fetched (the home page, its sitemap and feed
entries) plus, once a day, the home page as a search-engine crawler sees it. No network,
no Scrapy, no database: the spider calls these, the pipeline stores what they return.

Abandoned government sites are where "judi online" spam is planted (BSSN counted 3,908
injected government URLs in 2024), and most of it is hidden from the people who run them:
links in ``display:none`` or off-screen blocks, pages served only to Googlebot, spam pages
added under the site and listed in its sitemap, scripts that send visitors from Google to
a casino. The same sites also publish news *about* fighting online gambling ("Pemkab
sosialisasi bahaya judi online"), so a word alone is never a finding. A finding needs the
spam *pattern*:

* promotional vocabulary or brand-like tokens (``slot gacor``, ``maxwin``, ``rtp live``,
  ``dewatogel``, ``garuda303``) — words news about the problem rarely uses — or two topic
  words together (``judi`` + ``slot``) in a short unit such as a link or a title; and
* no counter-gambling context in the same unit (``bahaya``, ``satgas``, ``pemberantasan``,
  ``blokir``, ``imbau``, ``ditangkap``…); and
* a spam placement: a link or block hidden from visitors, a link to a gambling page,
  the ``<title>`` or meta description, a script redirect, a keyword-stuffed stretch of
  text, a sitemap or feed entry.

A fast path first: a page without a single gambling word, "hacked by" or a bot-conditional
script anywhere in its bytes (nearly every page) costs one regular-expression search and
is never parsed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import html
import re
import zlib
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any
from urllib.parse import unquote, urljoin, urlsplit

from lxml import etree
from w3lib.encoding import html_to_unicode

__all__ = [
    "CLOAKING",
    "DEFACEMENT",
    "GAMBLING",
    "Finding",
    "HomeScan",
    "compare_cloaked",
    "is_spam_entry",
    "judge",
    "scan_entries",
    "scan_page",
    "scan_sitemap",
]

# Kinds (INTERFACE.md, status JSON `compromise.kind`).
GAMBLING = "gambling_injection"
CLOAKING = "cloaking"
DEFACEMENT = "defacement"

# Where a finding was seen (stored as the finding's `place`).
HIDDEN_BLOCK = "hidden_block"
FOOTER_LINKS = "footer_links"
PAGE_LINKS = "page_links"
TITLE = "title"
META = "meta_description"
SCRIPT = "script"
PAGE_TEXT = "page_text"
CLOAKED = "cloaked_response"
SITEMAP_ENTRY = "sitemap_entry"
FEED_ITEM = "feed_item"
DEFACED_PAGE = "defaced_page"

# What part of a site a place belongs to: a later check that scanned that part again and
# saw nothing there resolves the finding; a check that did not read it leaves it open.
SCOPE_OF = {
    HIDDEN_BLOCK: "home",
    FOOTER_LINKS: "home",
    PAGE_LINKS: "home",
    TITLE: "home",
    META: "home",
    SCRIPT: "home",
    PAGE_TEXT: "home",
    DEFACED_PAGE: "home",
    CLOAKED: "cloak",
    SITEMAP_ENTRY: "sitemap",
    FEED_ITEM: "feed",
}

MAX_EXCERPT = 300

# --- the lexicon ------------------------------------------------------------------------
# Matched on normalised text: lower case, every run of non-alphanumerics one space.

# Promotional vocabulary of gambling spam (Indonesian and English): words that sell.
_SPAM_TERMS = (
    "slot gacor",
    "gacor",
    "maxwin",
    "max win",
    "rtp live",
    "rtp slot",
    "bocoran rtp",
    "info rtp",
    "pola gacor",
    "pola slot",
    "anti rungkad",
    "rungkad",
    "bonus new member",
    "new member 100",
    "deposit pulsa",
    "depo pulsa",
    "deposit dana",
    "deposit qris",
    "depo 5k",
    "depo 10k",
    "depo 20k",
    "depo 25k",
    "tanpa potongan",
    "link alternatif",
    "situs slot",
    "situs gacor",
    "situs toto",
    "situs togel",
    "situs judi",
    "bandar togel",
    "bandar slot",
    "bandar judi",
    "agen slot",
    "agen togel",
    "agen judi",
    "daftar slot",
    "login slot",
    "link slot",
    "slot online",
    "slot demo",
    "demo slot",
    "slot thailand",
    "slot server",
    "server thailand",
    "server kamboja",
    "akun pro",
    "scatter hitam",
    "mahjong ways",
    "gates of olympus",
    "starlight princess",
    "sweet bonanza",
    "wild bandito",
    "pragmatic play",
    "pg soft",
    "kakek zeus",
    "toto macau",
    "toto togel",
    "toto slot",
    "togel online",
    "live draw",
    "keluaran hk",
    "keluaran sgp",
    "keluaran sdy",
    "data sgp",
    "data hk",
    "prediksi togel",
    "prediksi hk",
    "prediksi sgp",
    "togel hari ini",
    "angka jitu",
    "jp paus",
    "auto jp",
    "gampang menang",
    "gampang maxwin",
    "mudah menang",
    "slot terpercaya",
    "slot resmi",
    "casino online",
    "live casino",
    "poker online",
    "domino qq",
    "dominoqq",
    "bandarqq",
    "pokerqq",
    "pkv games",
    "mix parlay",
    "judi bola online",
    "slot88",
    "slot777",
    "spaceman slot",
    "slot mahjong",
    "rtp gacor",
    "jam gacor",
    "slot hoki",
    "hoki slot",
    "cuan slot",
    "sbobet88",
    "scatter",
)
# Words of the topic: news about gambling uses them too, so alone they prove nothing.
_TOPIC_TERMS = (
    "judi online",
    "judol",
    "judi",
    "perjudian",
    "slot",
    "togel",
    "toto",
    "casino",
    "kasino",
    "poker",
    "taruhan",
    "betting",
    "gambling",
    "sbobet",
    "jackpot",
    "zeus",
    "olympus",
    "parlay",
)
# Counter-gambling context: who writes these words is fighting the problem, not selling it.
_COUNTER_TERMS = (
    "bahaya",
    "berbahaya",
    "berantas",
    "memberantas",
    "pemberantasan",
    "satgas",
    "satuan tugas",
    "blokir",
    "diblokir",
    "memblokir",
    "pemblokiran",
    "sosialisasi",
    "imbau",
    "imbauan",
    "himbau",
    "himbauan",
    "mengimbau",
    "menghimbau",
    "jauhi",
    "waspada",
    "waspadai",
    "larang",
    "larangan",
    "dilarang",
    "pidana",
    "polisi",
    "polres",
    "polda",
    "polsek",
    "polri",
    "ditangkap",
    "tangkap",
    "menangkap",
    "tersangka",
    "kecanduan",
    "dampak",
    "stop",
    "tolak",
    "menolak",
    "perangi",
    "memerangi",
    "cegah",
    "mencegah",
    "pencegahan",
    "penindakan",
    "ringkus",
    "diringkus",
    "bekuk",
    "dibekuk",
    "amankan",
    "diamankan",
    "ancaman",
    "kerugian",
    "korban",
    "literasi",
    "edukasi",
    "modus",
    "penipuan",
    "hukum",
    "razia",
    "pasal",
    "kuhp",
    "ilegal",
    "haram",
    "fatwa",
    "rehabilitasi",
    "bebas judi",
    "anti judi",
    "lawan",
    "melawan",
    "takedown",
    "take down",
    "aduan",
    "lapor",
    "laporkan",
    "khotbah",
    "ceramah",
    "dangers",
    "fight",
    "fighting",
    "ban",
    "banned",
    "crackdown",
    "arrested",
    "police",
    "awareness",
)

# Brand-like tokens of gambling sites: a gambling word fused with a number or another word
# (slot88, mpo888, dewatogel, olxtoto, dominoqq). A name with a lucky-number suffix alone
# (garuda303, dewa4d) is only a topic word: user names and product codes look the same.
_BRAND = re.compile(
    r"\b(?:"
    r"(?:slot|toto|togel|judi|gacor|mpo|pkv|zeus|sbobet|jackpot|maxwin|hoki|cuan)"
    r"(?:gacor|online|resmi|maxwin|hoki|vip|asia|win|jp|bet|play|zeus|thailand)?\d{2,4}"
    r"|(?:slot|toto|togel|judi|gacor|mpo|pkv|zeus|sbobet|jackpot|maxwin|hoki|cuan)"
    r"(?:gacor|online|resmi|maxwin|hoki|vip|asia|win|jp|bet|play|zeus|thailand)\d{0,4}"
    r"|[a-z]{0,14}(?:slot|togel|gacor|maxwin)[a-z]{0,10}\d{2,4}"
    r"|[a-z]{2,14}(?:slot|toto|togel|gacor|maxwin)\d{0,4}"
    r")\b"
)
_LUCKY = re.compile(r"\b[a-z]{3,12}(?:88|777|303|138|168|188|4d|888|999)\b")
# Tokens the brand pattern would take but that are ordinary words or names.
_NOT_BRANDS = frozenset({"timeslot"})


def _alternation(terms: Iterable[str]) -> re.Pattern[str]:
    ordered = sorted(set(terms), key=len, reverse=True)
    return re.compile(r"\b(?:" + "|".join(re.escape(t) for t in ordered) + r")\b")


_SPAM_RE = _alternation(_SPAM_TERMS)
_TOPIC_RE = _alternation(_TOPIC_TERMS)
_COUNTER_RE = _alternation(_COUNTER_TERMS)
_NON_ALNUM = re.compile(r"[^a-z0-9]+")

# The fast path: a page with none of these anywhere in its bytes (lower-cased) is not parsed.
# Every spam term and brand above contains one of the gambling words.
_GAMBLING_WORDS = (
    "gacor",
    "maxwin",
    "max win",
    "togel",
    "judi",
    "judol",
    "slot",
    "casino",
    "kasino",
    "sbobet",
    "scatter",
    "jackpot",
    "poker",
    "toto",
    "parlay",
    "zeus",
    "olympus",
    "mahjong",
    "domino",
    "bandarqq",
    "pkv",
    "rtp live",
    "rtp slot",
    "rtp gacor",
    "bocoran rtp",
    "info rtp",
    "rungkad",
    "bonus new member",
    "new member 100",
    "deposit pulsa",
    "deposit dana",
    "deposit qris",
    "depo pulsa",
    "depo 5k",
    "depo 10k",
    "depo 20k",
    "depo 25k",
    "tanpa potongan",
    "link alternatif",
    "akun pro",
    "pragmatic",
    "bonanza",
    "princess",
    "bandito",
    "pg soft",
    "live draw",
    "keluaran hk",
    "keluaran sgp",
    "keluaran sdy",
    "data sgp",
    "data hk",
    "prediksi hk",
    "prediksi sgp",
    "angka jitu",
    "jp paus",
    "auto jp",
    "gampang menang",
    "mudah menang",
    "live casino",
    "spaceman",
    "hoki",
    "cuan",
    "server thailand",
    "server kamboja",
    "gates of",
    "mpo",
)
_TRIGGERS = (
    "hacked",
    "h4ck",
    "hack3d",
    "defaced",
    "pwned",
    "diretas",
    "dihack",
    "di hack",
    "googlebot",
    "document.referrer",
    "atob(",
    "fromcharcode",
)
# Not in the fast path: parts of everyday words ("import", "component"; "cuan" is business slang),
# and never the only gambling word on a spam page.
_WEAK_WORDS = ("mpo", "pkv", "cuan", "hoki", "princess", "pragmatic")
_PREFILTER = re.compile("|".join(re.escape(w) for w in _GAMBLING_WORDS + _TRIGGERS if w not in _WEAK_WORDS).encode())
# The same words in normalised text (no punctuation), for links, titles and entries.
_QUICK_RE = re.compile("|".join(re.escape(w.strip()) for w in _GAMBLING_WORDS))


def _worth_parsing(raw: bytes) -> bool:
    return _PREFILTER.search(raw.lower()) is not None


# Defacement: a "hacked by" page in place of the home page.
_HACKED_RE = re.compile(
    r"\b(?:hacked|h4ck3d|h4cked|hack3d|defaced|pwned|0wned)\s+by\b|\bdefaced\b|\bhacked\b|\bh4ck3d\b"
    r"|\bdi\s?hack\s+oleh\b|\bdiretas\s+oleh\b|\byour\s+security\s+is\s+(?:low|down|zero|poor)\b"
    r"|\bsecurity\s+is\s+zero\b|\bgreetz\b|\bgreets\s+to\b",
    re.IGNORECASE,
)
_HACKED_TITLE_RE = re.compile(
    r"\b(?:hacked|h4ck3d|h4cked|hack3d|defaced|pwned|0wned)\b|\bdi\s?hack\b|\bdiretas\s+oleh\b",
    re.IGNORECASE,
)

# Hiding a block from visitors but not from search engines.
_HIDING_STYLE = re.compile(
    r"display\s*:\s*none|visibility\s*:\s*hidden"
    r"|(?:left|top|right|bottom|text-indent|margin-left|margin-top)\s*:\s*-\s*\d{3,}"
    r"|(?<![-\w])(?:width|height|max-height|max-width)\s*:\s*0(?:px|em|%)?\s*(?:;|$|!)"
    r"|font-size\s*:\s*0(?:px|em|pt)?\s*(?:;|$|!)|opacity\s*:\s*0(?:\.0+)?\s*(?:;|$|!)"
    r"|clip\s*:\s*rect\(\s*0",
    re.IGNORECASE,
)
_CSS_RULE = re.compile(r"([^{}]+)\{([^{}]*)\}")
_SIMPLE_SELECTOR = re.compile(r"^\s*([.#])([\w-]+)\s*$")

# Scripts that send the visitor elsewhere.
_REDIRECT_RE = re.compile(
    r"(?:window\.|document\.|top\.|self\.)?location(?:\.href)?\s*=(?!=)|location\.(?:replace|assign)\s*\("
    r"|window\.open\s*\(",
    re.IGNORECASE,
)
_BOT_CONDITION_RE = re.compile(
    r"(?:document\.referrer|navigator\.userAgent)[^;{}]{0,200}?"
    r"(?:google|bing|yahoo|yandex|duckduckgo|bot|crawl|spider|slurp)",
    re.IGNORECASE | re.DOTALL,
)
_URL_IN_SCRIPT = re.compile(r"""["'`](https?:)?//[^"'`\s]{3,300}["'`]""", re.IGNORECASE)
_META_REFRESH_URL = re.compile(r"url\s*=\s*['\"]?([^'\";]+)", re.IGNORECASE)

_FOOTER_RE = re.compile(r"footer|foot|bottom|copyright|credit", re.IGNORECASE)
_SKIP_TEXT = frozenset({"script", "style", "noscript", "template"})


def normalise(text: str) -> str:
    return _NON_ALNUM.sub(" ", html.unescape(text).lower()).strip()


@dataclass(frozen=True)
class Verdict:
    """What the lexicon says of one unit of text (a link, a title, a slug, a block)."""

    spam: tuple[str, ...]  # promotional terms and brand-like tokens found
    topic: tuple[str, ...]  # topic words found
    counter: tuple[str, ...]  # counter-gambling words found

    @property
    def gambling(self) -> bool:
        """Spam vocabulary, or two topic words together, with no counter-gambling context."""
        if self.counter:
            return False
        return bool(self.spam) or len(self.topic) >= 2

    @property
    def terms(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.spam + self.topic))


def judge(text: str, *, normalised: bool = False) -> Verdict:
    norm = text if normalised else normalise(text)
    spam = list(dict.fromkeys(_SPAM_RE.findall(norm)))
    spam += [b for b in dict.fromkeys(_BRAND.findall(norm)) if b not in _NOT_BRANDS and b not in spam]
    topic = [t for t in dict.fromkeys(_TOPIC_RE.findall(norm)) if not any(t in s for s in spam)]
    topic += [b for b in dict.fromkeys(_LUCKY.findall(norm)) if b not in topic and b not in spam]
    return Verdict(tuple(spam), tuple(topic), tuple(dict.fromkeys(_COUNTER_RE.findall(norm))))


def url_words(url: str) -> str:
    """The words of an address (host labels, path segments, query), for the lexicon."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return normalise(url)
    return normalise(" ".join((parts.hostname or "", unquote(parts.path), unquote(parts.query))))


@dataclass(frozen=True)
class Finding:
    """Evidence of a compromise: what was seen, where, and a hash of the response it was in."""

    kind: str  # GAMBLING | CLOAKING | DEFACEMENT
    place: str  # HIDDEN_BLOCK, FOOTER_LINKS, … (where on the site)
    url: str  # the page (or entry) where it was seen
    excerpt: str
    sha256: str

    @property
    def scope(self) -> str:
        return SCOPE_OF.get(self.place, "home")

    def to_json(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Finding:
        return cls(data["kind"], data["place"], data["url"], data["excerpt"], data["sha256"])


@dataclass
class HomeScan:
    """The scan of one home page response: its findings and the hash of its body."""

    sha256: str
    findings: list[Finding] = field(default_factory=list)

    @property
    def gambling(self) -> list[Finding]:
        return [f for f in self.findings if f.kind == GAMBLING]


def sha256(body: bytes | str) -> str:
    data = body.encode("utf-8", "replace") if isinstance(body, str) else bytes(body)
    return hashlib.sha256(data).hexdigest()


def _excerpt(text: str) -> str:
    text = re.sub(r"\s+", " ", text).strip()
    return text if len(text) <= MAX_EXCERPT else text[: MAX_EXCERPT - 1] + "…"


# --- the home page ----------------------------------------------------------------------


def scan_page(body: bytes | str, url: str, encoding: str | None = None, *, root: Any = None) -> HomeScan:
    """Scan one HTML page for gambling injection and defacement. Never raises on junk.

    ``root`` is the page already parsed by ``extract.parse_page(keep_root=True)``, so the
    scan does not parse it a second time.
    """
    digest = sha256(body)
    raw = body.encode("utf-8", "replace") if isinstance(body, str) else bytes(body)
    if not _worth_parsing(raw):
        return HomeScan(digest)
    try:
        return HomeScan(digest, _scan_html(raw, url, encoding, digest, root))
    except (ValueError, TypeError, LookupError, UnicodeError, RecursionError, etree.LxmlError):
        return HomeScan(digest)


def _decode(raw: bytes, encoding: str | None) -> str:
    if encoding:
        try:
            return raw.decode(encoding, errors="replace")
        except LookupError:
            pass
    return html_to_unicode(None, raw)[1]


def _hidden_selectors(root: Any) -> tuple[set[str], set[str]]:
    """Classes and ids a ``<style>`` block hides (``.sl{position:absolute;left:-9999px}``)."""
    classes: set[str] = set()
    ids: set[str] = set()
    for style in root.iter("style"):
        css = "".join(style.itertext())
        for selectors, body in _CSS_RULE.findall(css):
            if not _HIDING_STYLE.search(body):
                continue
            for sel in selectors.split(","):
                m = _SIMPLE_SELECTOR.match(sel)
                if m:
                    (classes if m.group(1) == "." else ids).add(m.group(2))
    return classes, ids


def _is_hidden(el: Any, classes: set[str], ids: set[str]) -> bool:
    if el.tag == "noscript" or el.get("hidden") is not None:
        return True
    style = el.get("style")
    if style and _HIDING_STYLE.search(style):
        return True
    if classes and el.get("class") and classes.intersection(el.get("class").split()):
        return True
    return bool(ids and el.get("id") in ids)


def _is_footer(el: Any) -> bool:
    if el.tag == "footer":
        return True
    marks = f"{el.get('id') or ''} {el.get('class') or ''}"
    return bool(marks.strip()) and bool(_FOOTER_RE.search(marks))


def _text_of(el: Any) -> str:
    parts = []
    for node in el.iter():
        if node.tag in _SKIP_TEXT and node is not el:
            continue
        if node.text and node.tag not in _SKIP_TEXT:
            parts.append(node.text)
        if node.tail and node is not el:
            parts.append(node.tail)
    return " ".join(parts)


def _scan_html(raw: bytes, url: str, encoding: str | None, digest: str, root: Any = None) -> list[Finding]:
    if root is None:
        text = _decode(raw, encoding)
        parser = etree.HTMLParser(encoding="utf-8", remove_comments=True, remove_pis=True)
        root = etree.fromstring(text.encode("utf-8", "replace"), parser=parser)
    if root is None:
        return []
    found: list[Finding] = []

    def add(kind: str, place: str, where: str, excerpt: str) -> None:
        if not any(f.kind == kind and f.place == place for f in found):
            found.append(Finding(kind, place, where, _excerpt(excerpt), digest))

    title = " ".join("".join(t.itertext()) for t in root.iter("title")).strip()
    body = next(root.iter("body"), None)
    everything = _text_of(body) if body is not None else ""
    links = list(root.iter("a"))

    # Defacement first: a "hacked by" page in place of the home page.
    if _HACKED_TITLE_RE.search(title):
        add(DEFACEMENT, DEFACED_PAGE, url, f"<title>{title}</title>")
    elif len(links) < 25 and len(everything) < 2500 and _HACKED_RE.search(everything):
        heading = next(
            (
                _text_of(h)
                for h in root.iter("h1", "h2", "h3", "center", "font", "marquee", "b")
                if _HACKED_RE.search(_text_of(h))
            ),
            None,
        )
        add(DEFACEMENT, DEFACED_PAGE, url, heading or everything)

    # The title and meta description: what search results show.
    if title and judge(title).gambling:
        add(GAMBLING, TITLE, url, f"<title>{title}</title>")
    for meta in root.iter("meta"):
        name = (meta.get("name") or meta.get("property") or "").lower()
        if name in ("description", "keywords", "og:title", "og:description", "twitter:title"):
            content = meta.get("content") or ""
            if content and judge(content).gambling:
                add(GAMBLING, META, url, f'<meta name="{name}" content="{content}">')
        elif (meta.get("http-equiv") or "").lower() == "refresh":
            m = _META_REFRESH_URL.search(meta.get("content") or "")
            if m and judge(url_words(m.group(1))).gambling:
                add(GAMBLING, SCRIPT, url, f'<meta http-equiv="refresh" content="{meta.get("content")}">')

    # Gambling links, placed: in a hidden block, in the footer, or elsewhere on the page.
    hiding: tuple[set[str], set[str]] | None = None

    def hidden_selectors() -> tuple[set[str], set[str]]:
        nonlocal hiding
        if hiding is None:
            hiding = _hidden_selectors(root)
        return hiding

    by_place: dict[str, list[Any]] = {HIDDEN_BLOCK: [], FOOTER_LINKS: [], PAGE_LINKS: []}
    # Most pages that got this far only name "slot" in an ad script: look at each link only
    # when the text or the addresses of the page hold a gambling word at all.
    hrefs = "\n".join(a.get("href") or "" for a in links).lower()
    text_worth = _QUICK_RE.search(everything.lower()) is not None
    for a in links if text_worth or _QUICK_RE.search(hrefs) else ():
        if _gambling_link(a, url):
            by_place[_placement(a, *hidden_selectors())].append(a)
    for place, spam_links in by_place.items():
        if spam_links:
            add(GAMBLING, place, url, _links_excerpt(spam_links, url))
    for frame in root.iter("iframe"):
        src = frame.get("src") or ""
        if src and _QUICK_RE.search(src.lower()) and judge(url_words(_join(url, src))).gambling:
            add(GAMBLING, _placement(frame, *hidden_selectors()), url, f'<iframe src="{src}">')

    # Hidden text (no links) and keyword stuffing: only on a page whose text sells gambling.
    norm_all = normalise(everything) if text_worth else ""
    if norm_all and (_SPAM_RE.search(norm_all) or _BRAND.search(norm_all)):
        classes, ids = hidden_selectors()
        for el in root.iter():
            if isinstance(el.tag, str) and el.tag not in _NOT_BLOCKS and _is_hidden(el, classes, ids):
                v = judge(_text_of(el))
                if v.spam and not v.counter:
                    add(GAMBLING, HIDDEN_BLOCK, url, _text_of(el))
                    break
        # Only for a page with no other gambling finding: links, titles and hidden blocks are
        # the clearer evidence, and their words would count twice.
        stuffed = None if any(f.kind == GAMBLING for f in found) else _stuffing(norm_all)
        if stuffed:
            add(GAMBLING, PAGE_TEXT, url, stuffed)

    # Scripts: a source on a gambling host, or a redirect to one, or conditional on bots.
    own = _host(url)
    for script in root.iter("script"):
        src = script.get("src")
        if src:
            if _QUICK_RE.search(src.lower()) and judge(url_words(_join(url, src))).gambling:
                add(GAMBLING, SCRIPT, url, f'<script src="{src}">')
            continue
        code = _deobfuscate(script.text or "")
        if "location" not in code and "window.open" not in code:
            continue
        low = code.lower()
        if not (_QUICK_RE.search(low) or "referrer" in low or "useragent" in low) or not _REDIRECT_RE.search(code):
            continue
        targets = [m.group(0).strip("\"'`") for m in _URL_IN_SCRIPT.finditer(code)]
        spam_target = next((t for t in targets if judge(url_words(t)).gambling), None)
        foreign = [t for t in targets if _host(_join(url, t)).lower() not in ("", own)]
        if spam_target or (foreign and _BOT_CONDITION_RE.search(code)):
            add(GAMBLING, SCRIPT, url, (script.text or "").strip())
    return found


_ATOB_RE = re.compile(r"""atob\(\s*["']([A-Za-z0-9+/=]{8,2000})["']\s*\)""")
_CHARCODES_RE = re.compile(r"String\.fromCharCode\(\s*((?:\d{2,3}\s*,\s*){3,500}\d{2,3})\s*\)")


def _deobfuscate(code: str) -> str:
    """The script with its ``atob("…")`` and ``String.fromCharCode(…)`` literals decoded beside
    it: injected redirects hide their target (and their ``location``) that way."""
    if "atob" not in code and "fromCharCode" not in code:
        return code
    extra = []
    for m in _ATOB_RE.finditer(code):
        try:
            extra.append(base64.b64decode(m.group(1) + "=" * (-len(m.group(1)) % 4)).decode("utf-8", "replace"))
        except (ValueError, binascii.Error):
            continue
    for m in _CHARCODES_RE.finditer(code):
        extra.append("".join(chr(int(n)) for n in m.group(1).split(",") if int(n) < 0x110000))
    return code + "\n" + "\n".join(f'"{e}"' if e.startswith("http") else e for e in extra)


_NOT_BLOCKS = frozenset({"html", "head", "title", "meta", "script", "style", "link", "body"})


def _placement(el: Any, classes: set[str], ids: set[str]) -> str:
    """Where an element sits: inside a hidden block, inside a footer, or elsewhere."""
    footer = False
    node = el
    while node is not None and node.tag not in ("body", "html"):
        if _is_hidden(node, classes, ids):
            return HIDDEN_BLOCK
        if not footer and _is_footer(node):
            footer = True
        node = node.getparent()
    return FOOTER_LINKS if footer else PAGE_LINKS


def _gambling_link(a: Any, page_url: str) -> bool:
    """A link that sells gambling: its words or its address are spam, with no counter context."""
    anchor = _text_of(a) + " " + (a.get("title") or "")
    href = (a.get("href") or "").strip()
    if not _QUICK_RE.search(anchor.lower()) and not _QUICK_RE.search(href.lower()):
        return False
    target = _join(page_url, href) if href and not href.startswith(("#", "javascript:", "mailto:")) else ""
    words = normalise(anchor) + " " + (url_words(target) if target else "")
    return judge(words, normalised=True).gambling


def _host(url: str) -> str:
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


def _join(base: str, href: str) -> str:
    """``urljoin`` that gives the raw text back for an address it cannot read (``http://[::1``)."""
    try:
        return urljoin(base, href)
    except ValueError:
        return href


def _links_excerpt(links: Sequence[Any], page_url: str) -> str:
    """The links as they read: ``slot gacor <https://…>; situs toto <https://…> (+3)``."""
    shown = []
    for a in links[:5]:
        anchor = re.sub(r"\s+", " ", _text_of(a)).strip() or "(…)"
        shown.append(f"{anchor} <{_join(page_url, (a.get('href') or '').strip())}>")
    more = f" (+{len(links) - 5})" if len(links) > 5 else ""
    return "; ".join(shown) + more


def _stuffing(norm: str, window: int = 600, need: int = 4) -> str | None:
    """A stretch of visible text with ``need`` distinct spam terms within ``window`` characters
    and no counter-gambling word around it: a page stuffed for search engines."""
    hits = [(m.start(), m.group(0)) for m in _SPAM_RE.finditer(norm)]
    hits += [(m.start(), m.group(0)) for m in _BRAND.finditer(norm) if m.group(0) not in _NOT_BRANDS]
    if len(hits) < need:
        return None
    hits.sort()
    for i in range(len(hits)):
        start = hits[i][0]
        terms = {t for pos, t in hits[i:] if pos - start <= window}
        if len(terms) >= need:
            stretch = norm[max(0, start - 100) : start + window + 100]
            if not _COUNTER_RE.search(stretch):
                return norm[start : start + 250]
    return None


# --- cloaking ---------------------------------------------------------------------------


def compare_cloaked(normal: HomeScan, crawler: HomeScan, crawler_body_url: str, home_url: str) -> Finding | None:
    """Gambling content served to the search-engine crawler but not to a visitor: cloaking.

    ``crawler_body_url`` is where the crawler's fetch ended (a redirect to a gambling host
    for Googlebot only is cloaking too).
    """
    if normal.gambling:
        return None  # served to everyone: already a gambling_injection finding
    if crawler.gambling:
        first = crawler.gambling[0]
        return Finding(CLOAKING, CLOAKED, home_url, first.excerpt, crawler.sha256)
    own = _host(home_url)
    landed = _host(crawler_body_url)
    if landed and landed != own and judge(url_words(crawler_body_url)).gambling:
        return Finding(CLOAKING, CLOAKED, home_url, _excerpt(f"Googlebot → {crawler_body_url}"), crawler.sha256)
    return None


# --- injected pages: sitemap and feed entries -------------------------------------------

_LOC_RE = re.compile(rb"<(?:\w+:)?loc>\s*(?:<!\[CDATA\[)?\s*([^<\s\]]+)", re.IGNORECASE)
_NEWS_TITLE_RE = re.compile(rb"<(?:\w+:)?title>\s*(?:<!\[CDATA\[)?([^<\]]{1,300})", re.IGNORECASE)
_MAX_SITEMAP = 10 * 1024 * 1024


def scan_sitemap(body: bytes, sitemap_url: str) -> Finding | None:
    """Spam pages listed in a sitemap: each ``<loc>`` judged by the words of its address.

    A regular expression over the bytes, not a second XML parse: a sitemap may list
    50,000 addresses, and the spider has already parsed it for dates.
    """
    raw = bytes(body or b"")
    if raw[:2] == b"\x1f\x8b":
        inflater = zlib.decompressobj(16 + zlib.MAX_WBITS)
        try:
            raw = inflater.decompress(raw, _MAX_SITEMAP)
        except zlib.error:
            return None
    if not _worth_parsing(raw):
        return None
    entries: list[tuple[str | None, str | None]] = [
        (html.unescape(m.group(1).decode("utf-8", "replace")), None) for m in _LOC_RE.finditer(raw)
    ]
    entries += [
        (sitemap_url, html.unescape(m.group(1).decode("utf-8", "replace"))) for m in _NEWS_TITLE_RE.finditer(raw)
    ]
    return scan_entries(entries, sitemap_url, raw, SITEMAP_ENTRY, "sitemap")


def is_spam_entry(link: str | None, title: str | None) -> bool:
    """A sitemap or feed entry whose address or title is gambling spam: not the institution's
    activity (a dormant site with spam pages planted yesterday is still dormant)."""
    words = (url_words(link) if link else "") + " " + (normalise(title) if title else "")
    if not _QUICK_RE.search(words):
        return False
    v = judge(words, normalised=True)
    return v.gambling and bool(v.spam)


def scan_entries(
    entries: Iterable[tuple[str | None, str | None]],
    source_url: str,
    body: bytes | str,
    place: str = FEED_ITEM,
    label: str = "feed",
) -> Finding | None:
    """Feed items (or sitemap entries) whose address or title is gambling spam."""
    spam: list[str] = []
    total = 0
    for link, title in entries:
        total += 1
        if is_spam_entry(link, title):
            spam.append(f"{title} <{link}>" if title and link and link != source_url else (link or title or ""))
    if not spam:
        return None
    first = next((s.rsplit("<", 1)[-1].rstrip(">") for s in spam if "<" in s), None) or spam[0]
    excerpt = f"{len(spam)}/{total} {label} {source_url}: " + "; ".join(spam[:5])
    return Finding(GAMBLING, place, first if first.startswith("http") else source_url, _excerpt(excerpt), sha256(body))
