"""A tiny DOM over the standard library's HTML parser, for reading the portal's pages in tests:
the errors shown beside a form field, the values a re-rendered form keeps, links and visible text."""
from __future__ import annotations

from dataclasses import dataclass, field
from html.parser import HTMLParser

VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


@dataclass
class Node:
    tag: str
    attrs: dict
    parent: Node | None = None
    children: list = field(default_factory=list)  # Node or str

    @property
    def classes(self) -> set[str]:
        return set((self.attrs.get("class") or "").split())

    def walk(self):
        for child in self.children:
            if isinstance(child, Node):
                yield child
                yield from child.walk()

    def text(self) -> str:
        parts = []
        for child in self.children:
            parts.append(child.text() if isinstance(child, Node) else child)
        return "".join(parts)

    def find_all(self, tag=None, **attrs):
        for node in self.walk():
            if tag and node.tag != tag:
                continue
            if all(node.attrs.get(k.rstrip("_")) == v for k, v in attrs.items()):
                yield node

    def find(self, tag=None, **attrs):
        return next(self.find_all(tag, **attrs), None)


class _Builder(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.root = Node("#root", {})
        self.current = self.root

    def handle_starttag(self, tag, attrs):
        node = Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current)
        self.current.children.append(node)
        if tag not in VOID:
            self.current = node

    def handle_startendtag(self, tag, attrs):
        self.current.children.append(Node(tag, {k: (v if v is not None else "") for k, v in attrs}, self.current))

    def handle_endtag(self, tag):
        node = self.current
        while node is not None and node.tag != tag:
            node = node.parent
        if node is not None and node.parent is not None:
            self.current = node.parent

    def handle_data(self, data):
        self.current.children.append(data)


def parse(html: str | bytes) -> Node:
    if isinstance(html, bytes):
        html = html.decode("utf-8")
    builder = _Builder()
    builder.feed(html)
    builder.close()
    return builder.root


def _doc(page):
    if isinstance(page, Node):
        return page
    if hasattr(page, "get_data"):
        return parse(page.get_data(as_text=True))
    return parse(page)


def field_errors(page, field_id: str) -> list[str]:
    """The error messages shown in the form group of the field whose element has ``id=field_id``."""
    doc = _doc(page)
    element = doc.find(id=field_id)
    assert element is not None, f"no element with id={field_id!r} on the page"
    group = element
    while group is not None and not (group.tag in ("div", "fieldset") and "mb-3" in group.classes):
        group = group.parent
    assert group is not None, f"field {field_id!r} is not inside a form group"
    return [n.text().strip() for n in group.walk() if "invalid-feedback" in n.classes]


def all_field_errors(page) -> list[str]:
    doc = _doc(page)
    return [n.text().strip() for n in doc.walk() if "invalid-feedback" in n.classes]


def input_value(page, name: str) -> str | None:
    doc = _doc(page)
    node = next((n for n in doc.walk() if n.tag in ("input", "textarea") and n.attrs.get("name") == name), None)
    if node is None:
        return None
    if node.tag == "textarea":
        content = node.text()
        return content[2:] if content.startswith("\r\n") else content[1:] if content.startswith("\n") else content
    return node.attrs.get("value", "")


def selected_value(page, name: str) -> str | None:
    doc = _doc(page)
    select = doc.find("select", name=name)
    assert select is not None, f"no select named {name!r}"
    chosen = [o for o in select.find_all("option") if "selected" in o.attrs]
    return chosen[0].attrs.get("value") if chosen else None


def checked_values(page, name: str) -> list[str]:
    doc = _doc(page)
    return [n.attrs.get("value") for n in doc.find_all("input", name=name) if "checked" in n.attrs]


def links(page) -> list[str]:
    doc = _doc(page)
    return [n.attrs["href"] for n in doc.find_all("a") if "href" in n.attrs]


def text(page) -> str:
    """The page's text (scripts and styles included, which the portal's pages do not inline)."""
    return _doc(page).text()


def alerts(page) -> list[str]:
    doc = _doc(page)
    return [" ".join(n.text().split()) for n in doc.walk() if "alert" in n.classes]


def table_rows(page) -> list[list[str]]:
    doc = _doc(page)
    body = doc.find("tbody")
    if body is None:
        return []
    return [[" ".join(td.text().split()) for td in tr.find_all("td")] for tr in body.find_all("tr")]


def form_values(page, form_index: int = -1) -> dict[str, list[str]]:
    """What a browser would submit for a form on the page (the last one by default): text, hidden and date
    inputs, checked boxes, selected options and text areas."""
    doc = _doc(page)
    forms = list(doc.find_all("form"))
    form = forms[form_index]
    values: dict[str, list[str]] = {}
    for node in form.walk():
        name = node.attrs.get("name")
        if not name:
            continue
        if node.tag == "input":
            kind = node.attrs.get("type", "text")
            if kind in ("checkbox", "radio"):
                if "checked" in node.attrs:
                    values.setdefault(name, []).append(node.attrs.get("value", "on"))
            elif kind not in ("submit", "button", "file"):
                values.setdefault(name, []).append(node.attrs.get("value", ""))
        elif node.tag == "textarea":
            content = node.text()
            content = content[2:] if content.startswith("\r\n") else content[1:] if content.startswith("\n") else content
            values.setdefault(name, []).append(content)
        elif node.tag == "select":
            options = list(node.find_all("option"))
            chosen = [o for o in options if "selected" in o.attrs] or options[:1]
            for option in chosen:
                values.setdefault(name, []).append(option.attrs.get("value", option.text()))
    return values
