"""Web entities: registered domains and platform accounts (table-driven)."""
import pytest

from graph.entities import entity_of, host_of, registered_domain


@pytest.mark.parametrize(
    "url, entity",
    [
        ("https://github.com/1992513/djy/blob/master/gb/25/9/4/n14587530.md", "github.com/1992513"),
        ("https://raw.githubusercontent.com/1992513/www/master/t/djy/1.jpg", "github.com/1992513"),
        ("https://1992513.github.io/page", "github.com/1992513"),
        ("https://GitHub.com/SzzdOgate/update", "github.com/szzdogate"),
        ("https://gitlab.com/szzdlab/mh-qikan/blob/master/README.md", "gitlab.com/szzdlab"),
        ("https://szzdlab.gitlab.io/x", "gitlab.com/szzdlab"),
        ("https://someone.blogspot.com/2020/01/post.html", "blogspot.com/someone"),
        ("https://medium.com/@writer/story-1", "medium.com/writer"),
        ("https://www.epochtimes.com/gb/25/9/4/n14587530.htm", "epochtimes.com"),
        ("http://www.minghui.org/mh/articles/2020/3/25/x--402912.html", "minghui.org"),
        ("https://news.bbc.co.uk/2/hi/asia.stm", "bbc.co.uk"),
        ("https://git.io/ogatea2", "git.io"),
        ("https://github.com/", "github.com"),
        ("https://github.com/search?q=x", "github.com"),
        ("http://127.0.0.1:8000/a", "127.0.0.1"),
        ("http://xn--fiqs8s.xn--fiqs8s/", "xn--fiqs8s.xn--fiqs8s"),
        ("mailto:someone@example.com", None),
        ("file:///tmp/a.html", None),
        ("not a url", None),
    ],
)
def test_entity_of(url, entity):
    assert entity_of(url) == entity


@pytest.mark.parametrize(
    "host, reg",
    [("www.epochtimes.com", "epochtimes.com"), ("a.b.example.co.jp", "example.co.jp"), ("localhost", "localhost")],
)
def test_registered_domain_uses_bundled_list(host, reg):
    assert registered_domain(host) == reg


@pytest.mark.parametrize(
    "url, host",
    [("HTTPS://Www.Example.COM:443/x", "www.example.com"), ("javascript:void(0)", None), ("http://[::1]:80/", "::1")],
)
def test_host_of(url, host):
    assert host_of(url) == host
