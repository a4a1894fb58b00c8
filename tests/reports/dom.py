"""Read the report's machine-checkable hooks out of HTML (as written, or as Chromium rendered it)."""

from __future__ import annotations

from html.parser import HTMLParser


class Hooks(HTMLParser):
    """Collects matrix cells (``data-status``), ``#counts``/``#scenario-counts``/``#verdict`` and all text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.cells: dict[tuple[str, str], str] = {}
        self.by_id: dict[str, dict[str, str]] = {}
        self.tags: list[tuple[str, dict[str, str]]] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        a = {k: (v or "") for k, v in attrs}
        self.tags.append((tag, a))
        if "data-status" in a:
            self.cells[(a["data-rule"], a["data-revision"])] = a["data-status"]
        if "id" in a:
            self.by_id[a["id"]] = a

    def handle_data(self, data):
        self.text.append(data)


def hooks(html_text: str) -> Hooks:
    parser = Hooks()
    parser.feed(html_text)
    parser.close()
    return parser


def expected_cells(record) -> dict[tuple[str, str], str]:
    return {(rule_id, rev): cell.status for rule_id, row in record.rule_matrix().items() for rev, cell in row.items()}
