"""Deterministic generator of synthetic mirror networks with known truth.

A network has original news sites, mirror sites that republish them under different URL
rules and page templates (fixed nav bars, cross-promotion bars, rotating banner sidebars
with tracking tags, circumvention/app links, short links), and unattributed reposts in
Traditional Chinese that only near-duplicate text ties to their original. A few pages are
written in GBK or Big5, with and without a declared charset.

Usage::

    python bench/generate.py --pages 10000 --out bench/data/n10000 [--seed 0]

It writes ``pages/`` (one folder per site, to be mounted at the site's URL prefix) and
``truth.json``: the mounts, every mirror's original, the class of every template target, and
the stories (sets of documents that republish one article).
"""
from __future__ import annotations

import argparse
import json
import os
import random
from pathlib import Path

import opencc

# Vocabulary of a news-like Simplified Chinese text (many characters differ in Traditional).
WORDS = (
    "国际 新闻 经济 发展 政府 官员 表示 会议 宣布 计划 安全 问题 美国 欧洲 俄罗斯 乌克兰 中国 台湾 日本 "
    "总统 总理 部长 议会 选举 投票 法律 法院 警察 军队 战争 和平 协议 谈判 制裁 贸易 关税 市场 银行 "
    "企业 工厂 工人 学生 学校 医院 医生 病毒 疫情 健康 环境 气候 能源 石油 电力 科技 网络 手机 数据 "
    "记者 报导 消息 人士 透露 认为 指出 强调 警告 批评 支持 反对 要求 决定 实施 调查 发现 导致 影响 "
    "民众 社会 历史 文化 传统 宗教 自由 人权 迫害 抗议 游行 逮捕 释放 审判 判决 腐败 丑闻 改革 开放 "
    "城市 农村 地区 边境 领土 海上 空中 地面 部队 导弹 飞机 船只 港口 机场 铁路 公路 桥梁 灾难 地震 "
    "洪水 火灾 事故 死亡 受伤 救援 援助 资金 预算 税收 债务 危机 增长 下降 上升 稳定 变化 未来 目前"
).split()
NAMES = "马克龙 泽连斯基 斯塔默 普京 川普 吕特 默克尔 岸田 赖清德 习近平 李强 王毅 布林肯 拜登".split()
CITIES = "巴黎 伦敦 柏林 华盛顿 东京 台北 北京 上海 香港 莫斯科 基辅 布鲁塞尔".split()

ORIGINALS = [
    # name, prefix, path template (from y, m, d, id, slug)
    ("epochnews", "https://www.epochnews.example/", "gb/{yy}/{m}/{d}/n{id}.htm"),
    ("mingnews", "http://www.mingnews.example/", "mh/articles/{y}/{m}/{d}/{slug}--{id}.html"),
    ("freevoice", "https://www.freevoice.example/", "a/{id}.html"),
]
# name, prefix, original index, path template, style
MIRRORS = [
    ("acct-a", "https://github.com/acct-a/djy/blob/master/", 0, "gb/{yy}/{m}/{d}/n{id}.md", "table"),
    ("acct-b", "https://github.com/acct-b/mh-news/blob/master/", 1, "pages/{cat}/{id}.md", "markdown"),
    ("acct-c", "https://acct-c.github.io/", 2, "fv/{id}.html", "plain"),
    ("acct-d", "https://gitlab.com/acct-d/news/blob/master/", 0, "posts/{y}{mm}{dd}-n{id}.md", "markdown"),
]
REPOSTER = ("reposter", "https://reposter.blogspot.com/", "{y}/{mm}/p{id}.html")
PROMO_TARGETS = [  # cross-promotion bar: other accounts of the network, apps, circumvention, short links
    ("首页", "https://github.com/acct-home/goodnews/blob/master/README.md"),
    ("翻墙教程", "https://github.com/acct-tools/guides/wiki"),
    ("安卓版下载", "https://github.com/acct-tools/news-android/releases/download/v1/app.apk"),
    ("一键翻墙软件", "https://github.com/acct-tools/nogfw/blob/master/README.md"),
    ("网门", "https://git.io/xyz123"),
    ("《九评》", "https://github.com/acct-books/9ping/blob/master/README.md"),
    ("免费VPN", "https://bit.ly/free-vpn-3"),
]


def _date(rng: random.Random) -> tuple[int, int, int]:
    return rng.randint(2015, 2025), rng.randint(1, 12), rng.randint(1, 28)


def _sentence(rng: random.Random) -> str:
    parts = [rng.choice(NAMES) if rng.random() < 0.2 else rng.choice(WORDS) for _ in range(rng.randint(6, 14))]
    if rng.random() < 0.3:
        parts.insert(0, rng.choice(CITIES))
    return "".join(parts) + "。"


def _article(rng: random.Random, i: int) -> dict:
    y, m, d = _date(rng)
    title = "".join(rng.choice(WORDS) for _ in range(rng.randint(3, 6)))
    paras = ["".join(_sentence(rng) for _ in range(rng.randint(2, 5))) for _ in range(rng.randint(3, 8))]
    aid = 100000 + i
    return {"id": aid, "y": y, "m": m, "d": d, "title": title, "paras": paras,
            "slug": title[:8], "cat": aid % 97, "home": i % len(ORIGINALS)}


def _fill(tpl: str, a: dict) -> str:
    return tpl.format(id=a["id"], y=a["y"], yy=a["y"] % 100, m=a["m"], d=a["d"], mm=f"{a['m']:02d}",
                      dd=f"{a['d']:02d}", slug=a["slug"], cat=a["cat"])


def _original_url(a: dict, o: int) -> str:
    return ORIGINALS[o][1] + _fill(ORIGINALS[o][2], a)


def _html_escape(s: str) -> str:
    return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


class Network:
    def __init__(self, pages: int, seed: int = 0):
        self.rng = random.Random(seed)
        self.pages = pages
        self.s2t = opencc.OpenCC("s2t")
        self.truth = {"mounts": [], "mirrors": {}, "link_classes": {}, "reposts": {}, "stories": [], "documents": 0}
        n_orig_pages = max(1, pages // 10)
        n_repost = max(1, pages // 20)
        n_mirror = pages - n_orig_pages - n_repost
        self.articles = [_article(self.rng, i) for i in range(max(10, n_mirror))]
        self.plan = (n_mirror, n_orig_pages, n_repost)

    def _mirror_url(self, mi: int, a: dict) -> str:
        return MIRRORS[mi][1] + _fill(MIRRORS[mi][3], a)

    def _page(self, mi: int, a: dict, rng: random.Random) -> tuple[str, list]:
        """A mirror page and the (target, class) truth of its template links."""
        name, prefix, o, _, style = MIRRORS[mi]
        orig = _original_url(a, o)
        own = self._mirror_url(mi, a)
        truths = []
        nav = [(f"栏目{k}", f"{prefix}section/{k}.md") for k in range(8)]
        truths += [(u, "navigation") for _, u in nav]
        truths += [(u, "promotional") for _, u in PROMO_TARGETS]
        # rotating banner sidebar: 6 of a pool of 40 other mirror articles, tagged ?dfh
        pool = self.articles[: min(40, len(self.articles))]
        side = [self._mirror_url(mi, b) + "?dfh" for b in rng.sample(pool, min(6, len(pool)))]
        truths += [(u, "promotional") for u in side]
        related = [self.articles[rng.randrange(len(self.articles))] for _ in range(4)]
        date = f"{a['y']}年{a['m']:02d}月{a['d']:02d}日"
        body_paras = list(a["paras"])
        if style == "markdown":
            bar = " | ".join(f"[{t}]({u})" for t, u in PROMO_TARGETS)
            navbar = " | ".join(f"[{t}]({u})" for t, u in nav)
            lines = [f"### {a['title']}", "-" * 24, f"#### {bar}", navbar, "",
                     f"【新闻网{date}讯】{body_paras[0]}"]
            lines += [f"<p>{p}" for p in body_paras[1:]]
            lines += ["", "相关文章："] + [f"* [{b['title']}]({self._mirror_url(mi, b)})" for b in related]
            lines += ["", "<div>"] + [f'<a href="{u}"><img src="{prefix}img/b{k}.jpg" alt="推荐{k}"></a><br>'
                                      for k, u in enumerate(side)] + ["</div>"]
            lines += ["手机上长按并复制下列链接分享本文章：<br/>", f"{own} <br/>",
                      f"原文地址（需翻墙访问）：{orig}", "-" * 24, f"#### {bar}"]
            return "\n".join(lines) + "\n", truths
        head = "".join(f'<a href="{_html_escape(u)}">{t}</a> | ' for t, u in nav)
        promo = "".join(f'<a href="{_html_escape(u)}" target="_blank">{t}</a> | ' for t, u in PROMO_TARGETS)
        sidebar = "".join(f'<a href="{_html_escape(u)}" target="_blank"><img src="{prefix}img/b{k}.jpg" '
                          f'title="推荐{k}"></a><br>' for k, u in enumerate(side))
        paras = "".join(f"<p>{p}</p>\n" for p in body_paras)
        rel = "".join(f'<li><a href="{self._mirror_url(mi, b)}">{b["title"]}</a></li>\n' for b in related)
        if style == "table":
            page = (f'<table><tr><td colspan="2">{head}</td></tr><tr><td colspan="2">{promo}</td></tr>\n'
                    f'<tr><td><h2>{a["title"]}</h2>\n<p>【新闻网{date}讯】</p>\n{paras}<strong>相关新闻：</strong>\n{rel}'
                    f'<p>浏览原文：<a href="{orig}">{a["title"]}</a></p></td><td>{sidebar}</td></tr></table>\n')
        else:
            page = (f'<html><head><meta charset="utf-8"><title>{a["title"]}</title></head><body>\n'
                    f'<nav>{head}</nav><div class="promo">{promo}</div>\n<article><h1>{a["title"]}</h1>\n'
                    f'<p class="date">{a["y"]}-{a["m"]:02d}-{a["d"]:02d}</p>\n{paras}'
                    f'<p>Originally published at <a href="{orig}">{orig}</a></p></article>\n'
                    f'<ul class="related">{rel}</ul><aside>{sidebar}</aside></body></html>\n')
        return page, truths

    def write(self, out: Path) -> dict:
        rng = self.rng
        n_mirror, n_orig, n_repost = self.plan
        root = out / "pages"
        sites = {}
        for name, prefix, *_ in MIRRORS:
            sites[name] = (root / name, prefix)
        for name, prefix, _ in ORIGINALS:
            sites[name] = (root / name, prefix)
        sites[REPOSTER[0]] = (root / REPOSTER[0], REPOSTER[1])
        stories: dict[int, list[str]] = {}
        written = 0

        def put(site: str, rel: str, data: bytes) -> str:
            nonlocal written
            d, prefix = sites[site]
            p = d / rel
            p.parent.mkdir(parents=True, exist_ok=True)
            p.write_bytes(data)
            written += 1
            return prefix + rel

        for i in range(n_mirror):
            a = self.articles[i % len(self.articles)]
            choices = [k for k, m in enumerate(MIRRORS) if m[2] == a["home"]]
            mi = choices[(i // len(self.articles) + a["id"] // 3) % len(choices)]
            url = self._mirror_url(mi, a)
            if url in self.truth["mirrors"]:
                continue
            text, truths = self._page(mi, a, rng)
            enc = "utf-8"
            if i % 50 == 7:  # some GBK pages, half of them with a declared charset
                enc = "gb18030"
                if i % 100 == 7:
                    text = '<meta charset="gbk">\n' + text
            put(MIRRORS[mi][0], url[len(MIRRORS[mi][1]):], text.encode(enc))
            self.truth["mirrors"][url] = _original_url(a, a["home"])
            for u, c in truths:
                self.truth["link_classes"][u] = c
            stories.setdefault(a["id"], []).append(url)
        for i in range(n_orig):
            a = self.articles[(i * 7) % len(self.articles)]
            o = a["home"]
            url = _original_url(a, o)
            if url in stories.get(a["id"], []):
                continue
            body = "".join(f"<p>{p}</p>" for p in a["paras"])
            page = (f'<html><head><meta charset="utf-8"><title>{a["title"]}</title>'
                    f'<link rel="canonical" href="{url}"></head><body><h1>{a["title"]}</h1>'
                    f'<p>{a["y"]}-{a["m"]:02d}-{a["d"]:02d}</p>{body}</body></html>\n')
            put(ORIGINALS[o][0], url[len(ORIGINALS[o][1]):], page.encode())
            stories.setdefault(a["id"], []).append(url)
        for i in range(n_repost):
            a = self.articles[(i * 13 + 5) % len(self.articles)]
            rel = _fill(REPOSTER[2], a)
            url = REPOSTER[1] + rel
            if url in self.truth["reposts"]:
                continue
            trad = [self.s2t.convert(p) for p in a["paras"]]
            title = self.s2t.convert(a["title"])
            page = (f'<html><head><title>{title}</title></head><body><h1>{title}</h1>'
                    + "".join(f"<p>{p}</p>" for p in trad) + "</body></html>\n")
            data = page.encode("big5", errors="replace") if i % 20 == 3 else ('<meta charset="utf-8">' + page).encode()
            put(REPOSTER[0], rel, data)
            # an unattributed repost: only near-duplicate text ties it to the article
            self.truth["reposts"][url] = _original_url(a, a["home"])
            stories.setdefault(a["id"], []).append(url)
        self.truth["stories"] = sorted(sorted(v) for v in stories.values() if len(v) > 1)
        self.truth["mounts"] = sorted([str(d.relative_to(out)), prefix] for d, prefix in sites.values() if d.exists())
        self.truth["documents"] = written
        (out / "truth.json").write_text(json.dumps(self.truth, ensure_ascii=False, sort_keys=True, indent=1),
                                        "utf-8")
        return self.truth


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--pages", type=int, default=1000)
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    out = args.out or Path(__file__).parent / "data" / f"n{args.pages}"
    out.mkdir(parents=True, exist_ok=True)
    truth = Network(args.pages, args.seed).write(out)
    print(f"wrote {truth['documents']} pages to {out} ({len(truth['mirrors'])} mirrors, "
          f"{len(truth['stories'])} multi-document stories)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
