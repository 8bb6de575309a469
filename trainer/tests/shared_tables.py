"""The tables of cases the feature service's tests read too (its test resources csv-*.tsv;
SharedTable.java reads them by the same rules): one case a line, its columns separated by a tab;
empty lines and lines starting with # are passed over. In a field, \\uXXXX stands for that
character, \\UXXXXXXXX for one past U+FFFF, and {N} after a character or its escape repeats it N
times."""

import os
import re

RESOURCES = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                         "feature-service", "src", "test", "resources")
_WRITTEN_CHARACTER = re.compile(r"(?:\\u([0-9a-fA-F]{4})|\\U([0-9a-fA-F]{8})|(.))(?:\{([0-9]+)\})?", re.S)


def cases(name):
    """The cases of the table `name`, each as the list of its columns (as written: see `field`)."""
    with open(os.path.join(RESOURCES, name), encoding="utf-8") as table:
        return [line.split("\t") for line in table.read().split("\n") if line and not line.startswith("#")]


def field(written):
    """A field as a table writes it, read: its escapes and repeats written out."""
    return "".join((m[3] if m[3] is not None else chr(int(m[1] or m[2], 16))) * int(m[4] or 1)
                   for m in _WRITTEN_CHARACTER.finditer(written))
