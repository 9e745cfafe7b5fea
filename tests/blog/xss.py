"""The XSS corpus: markup an attacker (or a careless paste) might put in an article."""

from html.parser import HTMLParser

from blog.sanitize import RENDER_ATTRIBUTES, RENDER_TAGS

XSS_CORPUS = [
    "<script>alert(1)</script>",
    "<SCRIPT SRC=//evil.example/x.js></SCRIPT>",
    '<img src=x onerror="alert(1)">',
    '<img src="/media/ok.jpg" onload=alert(1)>',
    "<p onclick='alert(1)'>click</p>",
    '<a href="javascript:alert(1)">link</a>',
    '<a href="JaVaScRiPt:alert(1)">link</a>',
    '<a href="jav&#x09;ascript:alert(1)">link</a>',
    '<a href=" javascript:alert(1)">link</a>',
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">link</a>',
    '<a href="vbscript:msgbox(1)">link</a>',
    '<svg onload=alert(1)><circle r="10"/></svg>',
    "<svg><script>alert(1)</script></svg>",
    '<svg><a xlink:href="javascript:alert(1)"><text>x</text></a></svg>',
    "<math><mi xlink:href=javascript:alert(1)>x</mi></math>",
    '<iframe src="https://evil.example"></iframe>',
    '<object data="evil.swf"></object><embed src="evil.swf">',
    '<form action="https://evil.example"><input name=q><button>go</button></form>',
    '<style>body{background:url("javascript:alert(1)")}</style>',
    '<p style="background:url(javascript:alert(1))">styled</p>',
    '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
    '<base href="https://evil.example/">',
    '<link rel="stylesheet" href="https://evil.example/x.css">',
    '<img src="https://evil.example/track.gif">',
    '<img src="//evil.example/track.gif">',
    "<details open ontoggle=alert(1)>",
    "<body onload=alert(1)>",
    "<!--<img src=x onerror=alert(1)>-->",
    # mutation XSS: markup that changes meaning when parsed again
    '<noscript><p title="</noscript><img src=x onerror=alert(1)>">',
    '<svg></p><style><a id="</style><img src=1 onerror=alert(1)>">',
    "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)></style>",
    "<form><math><mtext></form><form><mglyph><style></math><img src onerror=alert(1)>",
    '<svg><style><img src=x onerror="alert(1)"></style></svg>',
    "<textarea><img src=x onerror=alert(1)></textarea>",
    "<title><img src=x onerror=alert(1)></title>",
    "<xmp><img src=x onerror=alert(1)></xmp>",
    '<a href="https://ok.example" target="_blank" rel="opener">ok</a>',
    '<figure class="figure evil"><img src="/media/a.jpg" alt="x"></figure>',
]

SAFE_SCHEMES = ("http://", "https://", "mailto:", "tel:", "/", "#")


class _Inventory(HTMLParser):
    def __init__(self, markup: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.feed(markup)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, {name: value or "" for name, value in attrs}))

    handle_startendtag = handle_starttag


def problems_in(markup: str) -> list[str]:
    """What would make this markup dangerous on a page; [] when it is inert."""
    found = []
    for tag, attributes in _Inventory(markup).elements:
        if tag not in RENDER_TAGS:
            found.append(f"<{tag}> is not allowed")
        for name, value in attributes.items():
            if name.startswith("on"):
                found.append(f"<{tag} {name}> is an event handler")
            elif name not in RENDER_ATTRIBUTES.get(tag, set()) and name not in {"rel", "class"}:
                found.append(f"<{tag} {name}> is not allowed")
            if name in {"href", "src"} and not value.strip().lower().startswith(SAFE_SCHEMES):
                found.append(f"<{tag} {name}={value!r}> is not a safe address")
            if name == "src" and value.startswith("//"):
                found.append(f"<{tag} src={value!r}> leaves the site")
    return found
