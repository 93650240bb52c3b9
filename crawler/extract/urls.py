"""URL normalization: one canonical form per URL, never raising.

``normalize_url`` is total (returns ``None`` for what cannot be a graph target) and
idempotent: ``normalize_url(normalize_url(u)) == normalize_url(u)``. The canonical form:
lower-case scheme and host, host in IDNA ASCII (punycode), default port dropped, empty
path -> ``/``, dot segments removed, ONE percent-encoding (unreserved characters decoded,
every other escape upper-case, non-ASCII and unsafe characters encoded as UTF-8 ``%XX``,
never double-encoded), query kept as written (same encoding rules, order kept), fragment
dropped.
"""
from __future__ import annotations

import json
import re
from functools import lru_cache
from importlib import resources
from urllib.parse import parse_qsl, urljoin, urlsplit

__all__ = ["normalize_url", "scheme_kind", "embedded_urls", "split_fragment", "service_kind", "host_flags", "url_flags",
           "BARE_URL_RE", "trim_autolink"]

_HIER_SCHEMES = {"http", "https", "ftp", "ws", "wss"}
_DEFAULT_PORTS = {"http": "80", "https": "443", "ftp": "21", "ws": "80", "wss": "443"}
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
# characters kept literally (RFC 3986 reserved + unreserved + '%' handled apart)
_PATH_SAFE = _UNRESERVED | frozenset("!$&'()*+,;=:@/")
_QUERY_SAFE = _PATH_SAFE | frozenset("?")
_USER_SAFE = _UNRESERVED | frozenset("!$&'()*+,;=:")
_HEX = frozenset("0123456789abcdefABCDEF")
_SCHEME_RE = re.compile(r"^([A-Za-z][A-Za-z0-9+.\-]*):")
_STRIP_CTRL = re.compile(r"[\t\n\r]")

# A bare URL as GitHub's extended autolinker finds it: a scheme (or www.) not glued to a
# preceding ASCII letter, then everything up to white space or '<'. Trailing punctuation is
# trimmed by ``trim_autolink``. A possessive, bounded run (64 KiB: longer is not a URL anyone can
# open) keeps matching linear on huge lines.
BARE_URL_RE = re.compile(
    r"(?<![A-Za-z0-9])(?:(?:https?|ftp)://|(?<![^\s*_~(\[（：:，,;；])www\.)[^\s<\x00-\x1f]{1,65536}+",
    re.IGNORECASE)
_TRAIL_ENTITY = re.compile(r"&[A-Za-z0-9]{1,32};$")


def trim_autolink(url: str) -> str:
    """Trim the end of a bare URL the way GitHub's autolinker does.

    >>> trim_autolink("https://a.org/x).")
    'https://a.org/x'
    >>> trim_autolink("https://a.org/f(x)")
    'https://a.org/f(x)'
    """
    while url:
        last = url[-1]
        if last in "?!.,:*_~'\"":
            url = url[:-1]
        elif last == ")" and url.count(")") > url.count("("):
            url = url[:-1]
        elif last == ";" and _TRAIL_ENTITY.search(url):
            url = _TRAIL_ENTITY.sub("", url)
        else:
            break
    return url


def _pct(s: str, safe: frozenset) -> str:
    """One consistent percent-encoding of ``s`` (idempotent)."""
    out = []
    i, n = 0, len(s)
    while i < n:
        c = s[i]
        if c == "%":
            if i + 2 < n and s[i + 1] in _HEX and s[i + 2] in _HEX:
                code = int(s[i + 1:i + 3], 16)
                ch = chr(code)
                if code < 128 and ch in _UNRESERVED:
                    out.append(ch)
                else:
                    out.append("%" + s[i + 1:i + 3].upper())
                i += 3
                continue
            out.append("%25")
        elif c in safe:
            out.append(c)
        else:
            out.append("".join(f"%{b:02X}" for b in c.encode("utf-8", "surrogatepass")))
        i += 1
    return "".join(out)


def _remove_dot_segments(path: str) -> str:
    if "." not in path:
        return path
    segs = path.split("/")
    out: list[str] = []
    for i, seg in enumerate(segs):
        last = i == len(segs) - 1
        if seg == ".":
            if last:
                out.append("")
        elif seg == "..":
            if len(out) > 1:
                out.pop()
            if last:
                out.append("")
        else:
            out.append(seg)
    res = "/".join(out)
    if path.startswith("/") and not res.startswith("/"):
        res = "/" + res
    return res


@lru_cache(maxsize=65536)
def _host(host: str) -> str | None:
    host = host.strip().lower()
    if host.startswith("["):
        return host if re.fullmatch(r"\[[0-9a-f:.]+\]", host) else None
    if "%" in host:     # decoded before the trailing dots go: "%2e" is a dot too
        try:
            from urllib.parse import unquote
            host = unquote(host, errors="strict").strip().lower()
        except Exception:
            return None
    host = host.rstrip(".")
    if not host:
        return None
    if host.isascii():
        if not re.fullmatch(r"[a-z0-9_\-.]+", host) or ".." in host:
            return None
        return host
    labels = []
    for label in host.split("."):
        if not label:
            return None
        if label.isascii():
            labels.append(label)
            continue
        try:
            labels.append("xn--" + label.encode("punycode").decode("ascii"))
        except Exception:
            return None
    host = ".".join(labels)
    return host if re.fullmatch(r"[a-z0-9_\-.]+", host) else None


def split_fragment(url: str) -> tuple[str, str | None]:
    """``("http://a/b", "frag")`` from ``"http://a/b#frag"``; fragment ``None`` if absent."""
    if "#" in url:
        a, _, b = url.partition("#")
        return a, b
    return url, None


@lru_cache(maxsize=65536)   # template links recur on every page of a site
def scheme_kind(href: str | None) -> str:
    """What an href points at: url, fragment, javascript, mailto, data, tel or other.

    >>> [scheme_kind(h) for h in ["#top", "javascript:void(0)", "mailto:a@b", "/x", "tel:1", "urn:x"]]
    ['fragment', 'javascript', 'mailto', 'url', 'tel', 'other']
    """
    if href is None:
        return "other"
    h = _STRIP_CTRL.sub("", href).strip()
    if h.startswith("#"):
        return "fragment"
    m = _SCHEME_RE.match(h)
    if not m:
        return "url"  # relative reference
    s = m.group(1).lower()
    if s in _HIER_SCHEMES or s == "file":
        return "url"
    if s in ("javascript", "vbscript"):
        return "javascript"
    if s in ("mailto", "data", "tel"):
        return s
    if s in ("sms", "callto"):
        return "tel"
    return "other"


def normalize_url(url: str | None, base: str | None = None) -> str | None:
    """Absolute normalized URL of ``url`` (resolved against ``base``), or ``None``.

    Never raises; ``None`` for fragments-only, ``javascript:``, ``mailto:``, ``data:``,
    unknown schemes, relative URLs without a usable base and malformed hosts or ports.

    Examples
    --------
    >>> normalize_url("HTTP://Example.COM:80")
    'http://example.com/'
    >>> normalize_url("../c?utm_source=x#frag", "https://a.org/b/d/e.html")
    'https://a.org/b/c?utm_source=x'
    >>> normalize_url("http://www.minghui.org/a/病毒“反常”--1.html")
    'http://www.minghui.org/a/%E7%97%85%E6%AF%92%E2%80%9C%E5%8F%8D%E5%B8%B8%E2%80%9D--1.html'
    """
    if not isinstance(url, str) or (base is not None and not isinstance(base, str)):
        return _normalize_cached.__wrapped__(url, base)   # odd input: not cached
    if url[:8].lower().startswith(("http://", "https://")):
        base = None     # an absolute http(s) URL never reads the base: one cache entry for every page
    return _normalize_cached(url, base)


@lru_cache(maxsize=65536)   # template links recur on every page of a site
def _normalize_cached(url: str, base: str | None) -> str | None:
    try:
        return _normalize(url, base)
    except Exception:  # odd input never stops a run
        return None


def _normalize(url, base):
    if not isinstance(url, str):
        return None
    s = _STRIP_CTRL.sub("", url).strip(" \x00\x0b\x0c\xa0\u3000")
    if not s or s.startswith("#"):
        return None
    m = _SCHEME_RE.match(s)
    if m:
        scheme = m.group(1).lower()
        if scheme in _HIER_SCHEMES:
            rest = s[m.end():].replace("\\", "/")
            if not rest.startswith("//"):
                # "http:foo" relative to a same-scheme base, else malformed
                if base and base.lower().startswith(scheme + ":"):
                    s = urljoin(base, rest)
                else:
                    return None
            else:
                s = scheme + ":" + rest
        elif scheme != "file":
            return None
    else:
        if not base:
            return None
        b = normalize_url(base) or (base if base.lower().startswith("file:") else None)
        if not b:
            return None
        s = urljoin(b, s.replace("\\", "/") if b.lower().startswith("http") else s)
    s, _frag = split_fragment(s)
    parts = urlsplit(s)
    scheme = parts.scheme.lower()
    if scheme == "file":
        host = _host(parts.netloc) if parts.netloc else ""
        if host is None:
            return None
        host = "" if host == "localhost" else host
        path = _remove_dot_segments(_pct(parts.path, _PATH_SAFE)) or "/"
        if not path.startswith("/"):
            path = "/" + path
        q = "?" + _pct(parts.query, _QUERY_SAFE) if "?" in s else ""
        return f"file://{host}{path}{q}"
    if scheme not in _HIER_SCHEMES:
        return None
    netloc = parts.netloc
    userinfo = ""
    if "@" in netloc:
        userinfo, _, netloc = netloc.rpartition("@")
        userinfo = _pct(userinfo, _USER_SAFE) + "@"
    port = ""
    if netloc.startswith("["):
        end = netloc.find("]")
        if end < 0:
            return None
        hostpart, rest = netloc[:end + 1], netloc[end + 1:]
        if rest:
            if not rest.startswith(":"):
                return None
            port = rest[1:]
    else:
        hostpart, _, port = netloc.partition(":")
    host = _host(hostpart)
    if host is None:
        return None
    if port:
        if not port.isdigit() or len(port) > 5 or int(port) > 65535:
            return None
        port = str(int(port))
        if _DEFAULT_PORTS.get(scheme) == port:
            port = ""
    path = _remove_dot_segments(_pct(parts.path, _PATH_SAFE)) or "/"
    if not path.startswith("/"):
        path = "/" + path
    query = ""
    if "?" in s:
        query = "?" + _pct(parts.query, _QUERY_SAFE)
    return f"{scheme}://{userinfo}{host}{':' + port if port else ''}{path}{query}"


@lru_cache(maxsize=1)
def _services() -> list[dict]:
    data = json.loads(resources.files("crawler").joinpath("data/share_services.json").read_text("utf-8"))
    return [{"host": s["host"].lower(), "path": s["path"].lower(), "kind": s["kind"]}
            for s in data["services"]]


def service_kind(url: str | None) -> str | None:
    """``"qr"`` or ``"share"`` when ``url`` is a known QR-code / share endpoint, else None.

    >>> service_kind("https://quickchart.io/qr?text=x"), service_kind("https://a.org/")
    ('qr', None)
    """
    n = normalize_url(url) if url else None
    if not n:
        return None
    p = urlsplit(n)
    host, path = (p.hostname or ""), p.path.lower()
    for s in _services():
        if (host == s["host"] or host.endswith("." + s["host"])) and path.startswith(s["path"]):
            if s["host"].startswith("chart.") and "qr" not in p.query.lower():
                continue
            return s["kind"]
    return None


def embedded_urls(url: str | None) -> list[tuple[str, str]]:
    """URLs carried in the query (or fragment) parameters of ``url``.

    Returns ``[(parameter, url_as_written), ...]`` in order; a share link's ``u=`` /
    ``url=``, a QR image's ``text=`` / ``data=``, a tweet text's URL...

    Examples
    --------
    >>> embedded_urls("https://quickchart.io/qr?size=256&text=https://github.com/o/r/blob/master/a.md%231")
    [('text', 'https://github.com/o/r/blob/master/a.md#1')]
    >>> embedded_urls("https://twitter.com/intent/tweet?text=Read%20this%20https%3A%2F%2Fa.org%2Fx")
    [('text', 'https://a.org/x')]
    """
    if not url or not isinstance(url, str):
        return []
    try:
        out = []
        base, _ = split_fragment(url)
        _, _, query = base.partition("?")
        if not query:
            return []
        for name, value in parse_qsl(query[:20000], keep_blank_values=False):
            if "://" not in value and "www." not in value.lower():
                continue
            for m in BARE_URL_RE.finditer(value):
                u = trim_autolink(m.group(0))
                if u.lower().startswith("www."):
                    u = "http://" + u
                if normalize_url(u):
                    out.append((name, u))
        return out
    except Exception:
        return []


@lru_cache(maxsize=1)
def _confusables() -> tuple[dict[str, frozenset], list[frozenset]]:
    data = json.loads(resources.files("crawler").joinpath("data/confusables.json").read_text("utf-8"))
    return ({k: frozenset(v) for k, v in data["latin_lookalikes"].items()},
            [frozenset(m) for m in data["allowed_mixes"]])


def _script(ch: str) -> str | None:
    """A rough Unicode script of a letter (first word of its name); None for digits, '-', '_'."""
    import unicodedata
    if ch.isascii():
        return "LATIN" if ch.isalpha() else None
    if not ch.isalpha():
        return None if ch.isdigit() else "OTHER"
    name = unicodedata.name(ch, "OTHER")
    first = name.split(" ", 1)[0]
    if first == "CJK":
        return "HAN"
    if first == "KATAKANA-HIRAGANA":
        return "KATAKANA"
    return first     # LATIN, CYRILLIC, GREEK, HIRAGANA, HANGUL, FULLWIDTH, ...


@lru_cache(maxsize=65536)
def host_flags(host: str | None) -> tuple[str, ...]:
    """Warnings about a host name: ``"idn"`` (internationalized, shown in punycode) and
    ``"homograph"`` (a label that mixes scripts, e.g. Cyrillic 'а' in "pаypal", uses
    full-width letters, or spells Latin-looking words in Cyrillic/Greek letters only).

    Examples
    --------
    >>> host_flags("xn--pypal-4ve.com"), host_flags("paypal.com"), host_flags("xn--fiqs8s.cn")
    (('homograph', 'idn'), (), ('idn',))
    """
    if not host:
        return ()
    flags = set()
    lookalikes, allowed = _confusables()
    for label in host.lower().split("."):
        if label.startswith("xn--"):
            try:
                label = label[4:].encode("ascii").decode("punycode")
            except Exception:
                flags.update(("idn", "homograph"))     # undecodable punycode hides something
                continue
        if label.isascii():
            continue
        flags.add("idn")
        scripts = {s for s in map(_script, label) if s}
        if "FULLWIDTH" in scripts:
            flags.add("homograph")
        elif len(scripts) > 1 and not any(scripts <= mix for mix in allowed):
            flags.add("homograph")
        elif len(scripts) == 1:
            (script,) = scripts
            letters = {c for c in label if c.isalpha()}
            if script in lookalikes and letters <= lookalikes[script]:
                flags.add("homograph")
    return tuple(sorted(flags))


def url_flags(url: str | None) -> list[str]:
    """:func:`host_flags` of a URL's host (``[]`` for URLs without a host).

    >>> url_flags("https://xn--pypal-4ve.com/login"), url_flags("file:///seeds/a.txt")
    (['homograph', 'idn'], [])
    """
    if not url or "://" not in url or (url.isascii() and "xn--" not in url.lower()):
        return []
    try:
        return list(host_flags(urlsplit(url).hostname))
    except ValueError:
        return []
