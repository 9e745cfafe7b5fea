"""Reading pages the way a browser or a crawler would."""

from html.parser import HTMLParser


class Elements(HTMLParser):
    """Every element of a page with its attributes, and the text of each <script>."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str]]] = []
        self.scripts: list[tuple[dict[str, str], str]] = []
        self._in_script: dict[str, str] | None = None
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        attributes = {name: value or "" for name, value in attrs}
        self.elements.append((tag, attributes))
        if tag == "script":
            self._in_script = attributes
            self.scripts.append((attributes, ""))

    def handle_data(self, data):
        if self._in_script is not None:
            attributes, text = self.scripts[-1]
            self.scripts[-1] = (attributes, text + data)

    def handle_endtag(self, tag):
        if tag == "script":
            self._in_script = None

    def find(self, tag: str, **attributes: str) -> list[dict[str, str]]:
        return [
            attrs
            for name, attrs in self.elements
            if name == tag
            and all(attrs.get(k.replace("_", "-")) == v for k, v in attributes.items())
        ]


def csp_problems(html: str) -> list[str]:
    """Inline scripts and inline styles, which the site's Content Security Policy forbids."""
    page = Elements(html)
    problems = [
        f"inline <script {attributes}>"
        for attributes, _text in page.scripts
        if "src" not in attributes and attributes.get("type") != "application/ld+json"
    ]
    problems += [f"<{tag} style=...>" for tag, attrs in page.elements if "style" in attrs]
    problems += [
        f"<{tag}> event handler"
        for tag, attrs in page.elements
        if any(a.startswith("on") for a in attrs)
    ]
    problems += ["<style> element" for tag, _ in page.elements if tag == "style"]
    return problems
