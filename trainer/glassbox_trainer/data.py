"""Loading a Glassbox dataset folder and splitting it for training and evaluation.

A dataset folder holds `interactions.csv` and `items.csv` (optionally gzip-compressed as
`*.csv.gz`), read as the feature service reads them, so the two files `bin/glassbox import` takes
are a dataset folder too, also as a spreadsheet saves them (a byte order mark, semicolons, decimal
commas in prices). Interactions carry `user_id,item_id,timestamp` (unix seconds or ISO-8601
with an offset, or without one in the zone GLASSBOX_DATA_TIME_ZONE names) and optionally `event`
(only purchases are learnt from: empty, `purchase` or `review`), the basket (`invoice_no`, or
the import format's `basket_id`; an event without one is a basket of its own; without the column
a customer's purchases of one shop day are one of the `orders` the feature service counts, each
still a basket) and `seq_pos` (the order of a user's events of one moment). A user's events are
in the order the feature service
serves them: by time, to the nanosecond, then seq_pos, then file order. Items carry `item_id,title`
(trimmed as the feature service trims it; an empty one gives the item no title words) and optionally
`brand,category,price`. Rows of items missing from items.csv are left out, with a
count printed; an id the feature service refuses (empty, over 128 characters, a control character)
stops the load, on any row, as it stops the feature service.
"""

from __future__ import annotations

import csv
import datetime
import gzip
import hashlib
import io
import math
import os
import re
import zoneinfo
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

PADDING_INDEX = 0
# Attribute id 0 is padding (the padding item), 1 is "unknown / missing".
UNKNOWN_ATTRIBUTE = 1


def _open_csv(folder: str, stem: str):
    plain = os.path.join(folder, stem + ".csv")
    packed = plain + ".gz"
    # Both is refused, as the feature service refuses it (DatasetReader.dataFile): either may be
    # stale. utf-8-sig: a byte order mark (a spreadsheet's "CSV UTF-8") is skipped, as there.
    if os.path.exists(packed) and os.path.exists(plain):
        raise ValueError(f"data folder {os.path.abspath(folder)} holds both {stem}.csv and {stem}.csv.gz; "
                         "remove the one that is not current")
    if os.path.exists(packed):
        return packed, io.TextIOWrapper(gzip.open(packed, "rb"), encoding="utf-8-sig", newline="")
    if os.path.exists(plain):
        return plain, open(plain, newline="", encoding="utf-8-sig")
    raise FileNotFoundError(f"neither {plain} nor {packed} exists")


_QUOTED = re.compile(r'"[^"]*"')


def separator_of(header: str) -> str:
    """The header line's separator, as the feature service's CsvReader takes it: a comma, else a
    semicolon (what a spreadsheet set to a language with decimal commas saves), else a tab, looked
    for outside quoted names (a semicolon file's "Price, EUR" column)."""
    unquoted = _QUOTED.sub("", header)
    return next((c for c in ",;\t" if c in unquoted), ",")


NOT_UTF_8 = "is not valid UTF-8 (a spreadsheet's plain CSV is often Windows-1252: save it as CSV UTF-8)"


def _utf8_lines(handle, path: str):
    """The handle's lines; bytes that are not UTF-8 fail naming the file, as the feature service fails."""
    try:
        yield from handle
    except UnicodeDecodeError:
        raise ValueError(f"{os.path.basename(path)} {NOT_UTF_8}") from None


def _quote_open_after(line: str, quoted: bool, separator: str) -> bool:
    """Whether a quoted field is still open after `line`, read as the feature service's CsvReader
    reads it: a quote opens a field only at its start, a doubled one inside is a literal quote."""
    text = line.rstrip("\r\n")
    field_length = 0
    i = 0
    while i < len(text):
        c = text[i]
        i += 1
        if quoted:
            if c != '"':
                field_length += 1
            elif i < len(text) and text[i] == '"':
                field_length += 1
                i += 1
            else:
                quoted = False
        elif c == separator:
            field_length = 0
        elif c == '"' and field_length == 0:
            quoted = True
        else:
            field_length += 1
    return quoted


def _line_break_read(line: str) -> str:
    """`line` ending in \\n, as the feature service's CsvReader reads a line break inside a quoted
    field, whichever the file holds (\\r\\n, \\n or \\r), where Python's csv keeps the file's."""
    return line[:-2] + "\n" if line.endswith("\r\n") else line[:-1] + "\n" if line.endswith("\r") else line


class _RecordLines:
    """A CSV file's lines, header first, as the feature service's CsvReader reads them: it knows the
    physical line the record being read starts on (blank lines and line breaks inside quotes
    counted, as in the feature service's messages), a line break inside quotes is \\n, and a quoted
    field still open at the end of the file fails naming that line, where Python's csv would read
    the rest of the file into it."""

    def __init__(self, header: str, lines, path: str, separator: str):
        self._header, self._lines, self._path, self._separator = header, lines, path, separator
        self.record_start = 1

    def __iter__(self):
        # The header is a record too: a quote it leaves open goes on to the next lines.
        quoted, number = '"' in self._header and _quote_open_after(self._header, False, self._separator), 1
        yield _line_break_read(self._header) if quoted else self._header
        for line in self._lines:
            number += 1
            if not quoted:
                self.record_start = number
            if '"' in line:
                quoted = _quote_open_after(line, quoted, self._separator)
            yield _line_break_read(line) if quoted else line
        if quoted:
            raise ValueError(f"{os.path.basename(self._path)} line {self.record_start}: quoted field is not closed "
                             f"before the end of the file")


class _DictReader(csv.DictReader):
    """A csv.DictReader whose `record_line` is the physical line its last row started on."""

    def __init__(self, lines: _RecordLines, separator: str):
        super().__init__(iter(lines), delimiter=separator)
        self._record_lines = lines

    @property
    def record_line(self) -> int:
        return self._record_lines.record_start


# What the feature service trims off each field (Java's String.trim): spaces, tabs, line breaks and
# the other ASCII control characters. Not str.strip()'s other spaces: a no-break space stays part of
# an id, as the service stores it, and makes a timestamp unreadable, as the service reads it.
_TRIMMED = "".join(map(chr, range(0x21)))


def _trimmed(text: Optional[str]) -> str:
    """A field without what the feature service trims off it; "" for None (a short row's)."""
    return (text or "").strip(_TRIMMED)


# Every RPC's id rule (the feature service's RequestChecks), which DatasetReader and import apply to
# each user_id and item_id once trimmed: at most 128 characters, code points as len counts them and
# RequestChecks.characterCount (so one past U+FFFF, an emoji, counts one), not white space only as
# String.isBlank has it (no-break spaces are not), no control character (Character.isISOControl).
MAX_ID_LENGTH = 128
_JAVA_WHITE_SPACE = frozenset("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                              "\u2008\u2009\u200a\u2028\u2029\u205f\u3000")
_CONTROL_CHARACTER = re.compile(r"[\x00-\x1f\x7f-\x9f]")
# An id of printable ASCII, which the rule takes whole when trimmed (most are: one check, not three).
_PLAIN_ID = re.compile(f"[ -~]{{1,{MAX_ID_LENGTH}}}")


def id_problem(value: str) -> Optional[str]:
    """What is wrong with a trimmed field as a user or item id, to follow the column's name, in the
    feature service's words (RequestChecks.idProblem: " must be at most 128 characters, got 129"),
    or None. (Its other fault, a space at either end, is trimmed off every field first.)"""
    if not value:
        return " must not be empty"
    if _is_java_blank(value):
        return " must not be blank"
    return _content_problem(value)


def basket_problem(value: str) -> Optional[str]:
    """What is wrong with a trimmed field as a basket (invoice) id, which may be empty, in the
    feature service's words (RequestChecks.optionalIdProblem, which DatasetReader applies), or
    None: id_problem's rule, white space alone being a space at an end."""
    # A plain id (_PLAIN_ID) trimmed has no space at an end and no control character.
    if not value or _PLAIN_ID.fullmatch(value):
        return None
    problem = _content_problem(value)
    if problem is None and _is_java_blank(value):
        return f' must not begin or end with a space, got "{_quoted_blank(value)}"'
    return problem


# Longest piece of a value the feature service quotes (Descriptions.MAX_QUOTED_CHARS).
_MAX_QUOTED_CHARS = 64


def _quoted_blank(value: str) -> str:
    """A blank value as Descriptions.truncate quotes it: cut to 64 characters (code points; a blank
    one holds none past U+FFFF) with a note of how many it had, and escaped, which for white space
    without control characters is only the line and paragraph separators."""
    if len(value) > _MAX_QUOTED_CHARS:
        value = f"{value[:_MAX_QUOTED_CHARS]}... ({len(value)} characters)"
    return value.replace("\u2028", "\\u2028").replace("\u2029", "\\u2029")


def _is_java_blank(value: str) -> bool:
    """Whether `value` is empty or white space only, as Java's String.isBlank has it."""
    return all(c in _JAVA_WHITE_SPACE for c in value)


def _content_problem(value: str) -> Optional[str]:
    """What is wrong with a field that is not empty as an id: its length, then a control character."""
    if len(value) > MAX_ID_LENGTH:
        return f" must be at most {MAX_ID_LENGTH} characters, got {len(value)}"
    control = _CONTROL_CHARACTER.search(value)
    if control:
        return f" must not contain control characters, got U+{ord(control[0]):04X} at index {control.start()}"
    return None


def _id(text: Optional[str], column: str, path: str, row_number: int) -> str:
    """A row's trimmed user or item id; one the feature service refuses is refused naming the line.
    The feature service reads every case of feature-service/src/test/resources/csv-ids.tsv alike
    (test_import_format)."""
    value = _trimmed(text)
    problem = None if _PLAIN_ID.fullmatch(value) else id_problem(value)
    if problem:
        raise ValueError(f"{path} line {row_number}: {column}{problem}")
    return value


def dict_reader(handle, path: str):
    """A reader of `handle`'s rows as dicts (`record_line`: the line the last one started on) with
    the separator its header line names and the column names trimmed (as the feature service finds
    columns), and that separator."""
    # A field as long as the feature service reads (Python's csv stops at 128 KiB by default).
    csv.field_size_limit(2**31 - 1)
    lines = _utf8_lines(handle, path)
    header = next(lines, "")
    separator = separator_of(header)
    reader = _DictReader(_RecordLines(header, lines, path, separator), separator)
    if reader.fieldnames is not None:
        reader.fieldnames = [_trimmed(name) for name in reader.fieldnames]
    return reader, separator


def _required_columns(reader, required, path: str) -> List[str]:
    """`reader`'s column names; a header without one of `required` is refused, naming the file, as
    the feature service refuses the folder (a missing title is not read as every item untitled)."""
    columns = reader.fieldnames or []
    missing = [c for c in required if c not in columns]
    if missing:
        raise ValueError(f"{path}: no {', '.join(missing)} column (the header reads {','.join(columns)})")
    return columns


def _fields_check(reader, used, path: str):
    """A check of each row of `reader`: one with fewer fields than the last column read from it is
    refused, as the feature service refuses it, where a missing value would read as None. The
    column is found once, from the header; a short row's trailing columns are the ones missing."""
    names = reader.fieldnames or []
    width = max((names.index(column) + 1 for column in used if column in names), default=0)
    last = names[width - 1] if width else None

    def check(row: dict) -> None:
        if last is not None and row.get(last) is None:
            present = sum(1 for name in names if row.get(name) is not None)
            raise ValueError(f"{path} line {reader.record_line}: expected at least {width} fields, got {present}")
    return check


# An integer, unix seconds or a seq_pos, as the feature service reads one (CsvValues): ASCII digits.
_INTEGER = re.compile(r"[+-]?[0-9]+")
_LONG_MIN, _LONG_MAX = -2**63, 2**63 - 1


def _long(text: str) -> Optional[int]:
    """An integer `_INTEGER` matches as Long.parseLong reads it, leading zeros and all; None past a
    Java long (a seq_pos, or unix seconds, that the feature service cannot read). int() alone would
    refuse past 4300 digits, zeros counted, with a message that names no line."""
    digits = text.lstrip("+-").lstrip("0") or "0"
    if len(digits) > 19:
        return None
    value = -int(digits) if text[0] == "-" else int(digits)
    return value if _LONG_MIN <= value <= _LONG_MAX else None


UNREADABLE_SEQ_POS = f"seq_pos must be an integer from {_LONG_MIN} to {_LONG_MAX}"


def parse_seq_pos(text: str, path: str, row_number: int) -> int:
    """A row's seq_pos as the feature service reads it (CsvValues.seqPos): an integer in ASCII
    digits that a Java long holds. The feature service reads every case of
    feature-service/src/test/resources/csv-seq-pos.tsv alike (test_import_format)."""
    if text.isascii() and text.isdigit() and len(text) < 19:
        return int(text)   # most are: plain digits, no sign or space, fewer than a long's 19
    trimmed = _trimmed(text)
    value = _long(trimmed) if _INTEGER.fullmatch(trimmed) else None
    if value is None:
        raise ValueError(f"{path} line {row_number}: {UNREADABLE_SEQ_POS}, got \"{text}\"")
    return value


def sha256_of(path: str) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass
class Dataset:
    """Items indexed 1..N (0 = padding) and each user's events in the feature service's order
    (time to the nanosecond, then `seq_pos`, then file order)."""

    name: str
    item_ids: List[str]                       # item_ids[i - 1] is the external id of index i
    titles: List[str]
    attributes: Dict[str, np.ndarray]         # name -> int64[N + 1] attribute id per item index
    attribute_sizes: Dict[str, int]           # name -> number of attribute ids (incl. 0 and 1)
    attribute_labels: Dict[str, List[str]]    # name -> label of each attribute id
    user_ids: List[str]
    sequences: List[np.ndarray]               # per user: int64 item indices, oldest first
    # Per user: the basket (order) number of each event, 0, 1, ... in the order of the baskets'
    # first events. A basket is one order id (the feature service counts an order once: DatasetIndex,
    # RegularItems), so a late line of an order, after lines of a later one, keeps its order's
    # number where its time puts it: a user's numbers need not rise (see `basket_starts`).
    baskets: List[np.ndarray]
    times: List[np.ndarray]                   # per user: int64 event time (Unix seconds)
    fingerprint: Dict[str, str] = field(default_factory=dict)
    # Per user: the order number of each event, as the feature service counts orders for the
    # buy-again rule (RegularItems) and co-purchases: numbered as `baskets`, and the same as them
    # but in a folder without an order column, whose orders are one customer's purchases of one
    # shop day (DatasetReader.dayBasket) while each event stays a basket (leave-one-out); None: `baskets`.
    orders: Optional[List[np.ndarray]] = None

    def __post_init__(self):
        if self.orders is None:
            self.orders = self.baskets

    @property
    def num_items(self) -> int:
        return len(self.item_ids)


def price_buckets(prices: List[Optional[float]], num_buckets: int) -> tuple:
    """Quantile buckets over the known prices; id 1 = unknown price, 2.. = buckets."""
    known = np.array([p for p in prices if p is not None and p > 0], dtype=np.float64)
    if len(known) == 0:
        return np.ones(len(prices), dtype=np.int64), ["<pad>", "<unknown>"]
    edges = np.unique(np.quantile(np.log(known), np.linspace(0, 1, num_buckets + 1)[1:-1]))
    ids = []
    for p in prices:
        if p is None or p <= 0:
            ids.append(UNKNOWN_ATTRIBUTE)
        else:
            ids.append(2 + int(np.searchsorted(edges, math.log(p), side="right")))
    labels = ["<pad>", "<unknown>"]
    bounds = [0.0] + [float(np.exp(e)) for e in edges] + [float("inf")]
    for i in range(len(edges) + 1):
        labels.append(f"[{bounds[i]:.2f},{bounds[i + 1]:.2f})")
    return np.array(ids, dtype=np.int64), labels


_WORD = re.compile(r"[A-Z]+")


def title_category(title: str) -> str:
    """Pseudo-category for catalogues without one: the last alphabetic word of the title.

    UCI Online Retail titles end in the product noun ("... T-LIGHT HOLDER", "... MUG",
    "... LUNCH BAG"), so the last word groups products by kind.
    """
    words = _WORD.findall(title.upper())
    return words[-1] if words else ""


_TITLE_WORD = re.compile(r"[a-z0-9]+")


def title_word_table(titles: List[str], max_words: int, min_items: int = 2) -> tuple:
    """Title words as an item attribute: int64[N + 1, max_words] word ids per item index
    (row 0 = padding item; 0 = no word) and the vocabulary (labels, id 0 = padding).

    Words are lower-cased alphanumeric runs; a word is kept when at least `min_items` items
    have it in their title (catalogue metadata only, no interactions), and each item keeps
    its first `max_words` distinct kept words in title order.
    """
    docs = [list(dict.fromkeys(_TITLE_WORD.findall(t.lower()))) for t in titles]
    counts: Dict[str, int] = {}
    for words in docs:
        for w in words:
            counts[w] = counts.get(w, 0) + 1
    kept = sorted(w for w, c in counts.items() if c >= min_items)
    index = {w: i + 1 for i, w in enumerate(kept)}
    table = np.zeros((len(titles) + 1, max_words), dtype=np.int64)
    for row, words in enumerate(docs, start=1):
        ids = [index[w] for w in words if w in index][:max_words]
        table[row, :len(ids)] = ids
    return table, ["<pad>"] + kept


def _categorical(values: List[str], min_count: int) -> tuple:
    """Ids for string values; empty or rarer than min_count -> UNKNOWN_ATTRIBUTE."""
    counts: Dict[str, int] = {}
    for v in values:
        if v:
            counts[v] = counts.get(v, 0) + 1
    kept = sorted(v for v, c in counts.items() if c >= min_count)
    index = {v: i + 2 for i, v in enumerate(kept)}
    ids = np.array([index.get(v, UNKNOWN_ATTRIBUTE) for v in values], dtype=np.int64)
    return ids, ["<pad>", "<unknown>"] + kept


# Events the model learns from: purchases (an empty event is one, as in the import format; a
# review stands for one in review datasets). The others the feature service stores are left out.
TRAINED_EVENTS = {"", "purchase", "review"}
OTHER_EVENTS = {"click", "add_to_cart", "feedback_positive", "feedback_negative"}


NO_OFFSET = ("timestamp has no UTC offset, so its moment is unknown: write one, such as "
             "2011-12-09T12:50:00Z (UTC) or 2011-12-09 12:50:00+01:00, or name the time zone of the "
             "file's times (GLASSBOX_DATA_TIME_ZONE=Europe/London, say)")

# A time that reads but for its offset: beyond 18 hours, or minutes or seconds past 59 (+25:00,
# -19:00, +05:60); the feature service's CsvValues and `feedback --time` say the same.
OFFSET_OUT_OF_RANGE = ("timestamp's UTC offset is out of range: ISO-8601 offsets run from -18:00 to +18:00, "
                       "their minutes and seconds from 00 to 59")

# The zone of a data folder's times without an offset, for the feature service and the trainer.
TIME_ZONE_VARIABLE = "GLASSBOX_DATA_TIME_ZONE"
# A tz database Area/Location name, or UTC, as the feature service takes one (LocalTimeZone): no
# file path, no bare offset, none of the legacy names only one side's database holds (Debian's EST,
# posix/..., right/..., localtime; Java's SystemV/...).
_ZONE_NAME = re.compile(r"UTC|(Africa|America|Antarctica|Arctic|Asia|Atlantic|Australia|Europe|Indian|Pacific|Etc)"
                        r"(/[A-Za-z0-9_+-]+)+")


def time_zone_named(name: Optional[str]) -> Optional[zoneinfo.ZoneInfo]:
    """The zone of a data folder's times without an offset (TIME_ZONE_VARIABLE or --time-zone);
    None when the name is empty."""
    if not name:
        return None
    refused = ValueError(f"{TIME_ZONE_VARIABLE} must be a time zone name such as Europe/London or UTC, "
                         f"got \"{name}\"")
    if not _ZONE_NAME.fullmatch(name):
        raise refused
    try:
        return zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError, OSError):
        raise refused from None


# What the feature service reads (CsvValues): unix seconds (_INTEGER), or a date, T or a space, a
# time with optional seconds and fraction (a point and 1 to 9 digits), and at most one offset (Z,
# +01:00, +0100, +01, seconds too: minutes and seconds under 60, colons throughout or nowhere).
# Hours, minutes and seconds are bounded here, not left to fromisoformat (no 24:00, no leap second).
_DATE_TIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}[Tt ]([01][0-9]|2[0-3]):[0-5][0-9]"
                        r"(:[0-5][0-9](\.(?P<fraction>[0-9]{1,9}))?)?"
                        r"([Zz]|[+-][0-9]{2}(:[0-5][0-9](:[0-5][0-9])?|[0-5][0-9]([0-5][0-9])?)?)?")
# One space between the time and its offset, as Shopify's exports write them
# (2011-12-09 13:50:00 +0100); the feature service's CsvValues removes the same one.
_SPACED_OFFSET = re.compile(r"(?<=[0-9]) (?=([+-][0-9]{2}(:?[0-9]{2}){0,2}|[Zz])$)")
_MAX_OFFSET = datetime.timedelta(hours=18)
# A time and a trailing offset in _DATE_TIME's shape, but with any two digits (CsvValues matches the same).
_OFFSET_AT_END = re.compile(r"(.*[0-9])[+-]([0-9]{2})(?:(:?)([0-9]{2})(?:\3([0-9]{2}))?)?")
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
_EPOCH_ORDINAL = _EPOCH.date().toordinal()
_MIN_SECONDS, _MAX_SECONDS = -62_135_596_800, 253_402_300_799
# A price: a plain decimal number (2,95 in a file separated by semicolons).
_DECIMAL = re.compile(r"[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]+)?")
_DECIMAL_COMMA = re.compile(r"[0-9]*,[0-9]+")


def parse_time(text: str, path: str, row_number: int, zone: Optional[zoneinfo.ZoneInfo] = None) -> int:
    """The second a timestamp's moment falls in (`parse_moment`)."""
    return parse_moment(text, path, row_number, zone)[0]


def parse_moment(text: str, path: str, row_number: int, zone: Optional[zoneinfo.ZoneInfo] = None,
                 local_times: Optional[list] = None) -> Tuple[int, int]:
    """Unix seconds, or ISO-8601 with an offset (2011-12-09T12:50:00Z, 2011-12-09 12:50:00+01:00,
    +0100 or +01, after one space or none: 2011-12-09 13:50:00 +0100), as `import` reads them; a
    time without an offset is in `zone`, and without a zone names no moment and is refused, as is
    one before 1970, and one whose offset is out of range, saying so (OFFSET_OUT_OF_RANGE). The
    moment as (the second it falls in, nanoseconds into that second), the fraction to the
    nanosecond as the feature service keeps it (datetime keeps microseconds). The feature service
    reads every case of feature-service/src/test/resources/csv-timestamps.tsv alike
    (test_import_format)."""
    text = _trimmed(text)
    nanos = 0
    unreadable = (f"{path} line {row_number}: timestamp must be unix seconds or ISO-8601 such as "
                  f"2011-12-09T12:50:00Z, got {text!r}")
    if _INTEGER.fullmatch(text):
        seconds = _long(text)
        # google.protobuf.Timestamp's range (0001-01-01 to 9999-12-31), as the feature service's.
        if seconds is None or not _MIN_SECONDS <= seconds <= _MAX_SECONDS:
            raise ValueError(unreadable)
    else:
        field = text
        text = _SPACED_OFFSET.sub("", text, count=1)
        # An offset or a zone moves a time by whole seconds: the fraction is the moment's.
        parsed, nanos = _date_time(text)
        if parsed is not None and parsed.tzinfo is None:
            if zone is None:
                raise ValueError(f"{path} line {row_number}: {NO_OFFSET}, got {text!r}")
            # fold=0, as java.time's LocalDateTime.atZone: the earlier of a repeated hour, and a
            # skipped hour at the offset before the change.
            parsed = parsed.replace(tzinfo=zone)
            if local_times is not None and not local_times:
                local_times.append(row_number)
        if parsed is None or abs(parsed.utcoffset()) > _MAX_OFFSET:
            if _offset_out_of_range(text):
                raise ValueError(f"{path} line {row_number}: {OFFSET_OUT_OF_RANGE}, got {field!r}")
            raise ValueError(unreadable)
        # Whole seconds by timedelta's integer arithmetic: timestamp()'s float rounds
        # 9999-12-31T23:59:59.999999Z up past the range.
        seconds = (parsed - _EPOCH) // datetime.timedelta(seconds=1)
        # An offset or a zone can take a time past Timestamp's range, which the feature service refuses.
        if not _MIN_SECONDS <= seconds <= _MAX_SECONDS:
            raise ValueError(unreadable)
    if seconds < 0:
        moment = _EPOCH + datetime.timedelta(seconds=seconds)
        raise ValueError(f"{path} line {row_number}: timestamp {moment.isoformat().replace('+00:00', 'Z')} is "
                         f"before 1970-01-01T00:00:00Z: no shop event is that old (is it the sending program's "
                         f"zero date? Go's and .NET's are 0001-01-01T00:00:00Z)")
    return seconds, nanos


def _date_time(text: str) -> Tuple[Optional[datetime.datetime], int]:
    """`text` as CsvValues reads an ISO-8601 time (its one space before the offset taken out),
    naive without an offset, or None; and its fraction of a second in nanoseconds."""
    written = _DATE_TIME.fullmatch(text)
    if not written:
        return None, 0
    nanos = int((written["fraction"] or "").ljust(9, "0"))
    try:
        return datetime.datetime.fromisoformat(text[:-1] + "+00:00" if text[-1] in "Zz" else text), nanos
    except ValueError:
        return None, 0


def _offset_out_of_range(text: str) -> bool:
    """Whether `text`, a time that does not read, would read but for its offset, which is beyond 18
    hours or has minutes or seconds past 59 (2011-12-09T12:00:00+25:00), as CsvValues judges it."""
    time = _OFFSET_AT_END.fullmatch(text)
    if not time:
        return False
    hours, minutes, seconds = (int(time[group] or 0) for group in (2, 4, 5))
    if minutes < 60 and seconds < 60 and hours * 3600 + minutes * 60 + seconds <= _MAX_OFFSET.total_seconds():
        return False
    return _date_time(time[1] + "Z")[0] is not None


def parse_price(text: Optional[str], separator: str = ",") -> Optional[float]:
    """A positive price, else None (unknown); in a file separated by semicolons a decimal comma
    (2,95) too, as the feature service reads it."""
    text = _trimmed(text)
    if separator == ";" and _DECIMAL_COMMA.fullmatch(text):
        text = text.replace(",", ".")
    if not _DECIMAL.fullmatch(text):
        return None
    value = float(text)
    return value if 0 < value < math.inf else None


def load_dataset(folder: str, name: Optional[str] = None, price_bucket_count: int = 10,
                 max_users: Optional[int] = None, time_zone: Optional[str] = None) -> Dataset:
    """Reads a dataset folder. `max_users` keeps only the first users (for smoke tests);
    `time_zone` names the zone of times without an offset (see `time_zone_named`)."""
    name = name or os.path.basename(os.path.normpath(folder))
    zone = time_zone_named(time_zone)
    local_times = []    # the first row read in the zone, if any
    fingerprint = {}

    items_path, handle = _open_csv(folder, "items")
    with handle:
        item_reader, item_separator = dict_reader(handle, items_path)
        _required_columns(item_reader, ("item_id", "title"), items_path)
        check_fields = _fields_check(item_reader, ("item_id", "title", "brand", "category", "price"), items_path)
        item_rows, item_ids, line_of = [], [], {}
        for r in item_reader:
            check_fields(r)
            item = _id(r["item_id"], "item_id", items_path, item_reader.record_line)
            first = line_of.setdefault(item, item_reader.record_line)
            if first != item_reader.record_line:
                raise ValueError(f"{items_path} line {item_reader.record_line}: item_id \"{item}\" is listed twice "
                                 f"(first on line {first}); keep one row per item")
            item_rows.append(r)
            item_ids.append(item)
    fingerprint[os.path.basename(items_path)] = sha256_of(items_path)

    index_of = {item: i + 1 for i, item in enumerate(item_ids)}
    # Trimmed as DatasetReader trims them (csv-titles.tsv). An item without a title stays without title
    # words: the service shows its id in place of a title, but the model's title features and the
    # served title term (title_vectors.tsv) come from here, and id words would tie untitled items.
    titles = [_trimmed(r.get("title")) for r in item_rows]

    attributes, sizes, labels = {}, {}, {}

    def add(attr_name, ids, attr_labels):
        attributes[attr_name] = np.concatenate([[0], ids]).astype(np.int64)
        sizes[attr_name] = len(attr_labels)
        labels[attr_name] = attr_labels

    brands = [_trimmed(r.get("brand")) for r in item_rows]
    categories = [_trimmed(r.get("category")) for r in item_rows]
    if any(brands):
        add("brand", *_categorical(
            [b if b.lower() not in ("unknown", "generic") else "" for b in brands], 2))
    if any(categories):
        add("category", *_categorical(categories, 1))
        # The second level of a category path ("Beauty > Skin Care > ...") as a coarser group.
        if any(" > " in c for c in categories):
            add("category_l2", *_categorical(
                [c.split(" > ")[1] if c.count(" > ") >= 1 else "" for c in categories], 1))
    else:
        add("category", *_categorical([title_category(t) for t in titles], 3))
    add("price_bucket", *price_buckets([parse_price(r.get("price"), item_separator) for r in item_rows],
                                       price_bucket_count))

    inter_path, handle = _open_csv(folder, "interactions")
    per_user: Dict[str, list] = {}
    user_order: List[str] = []
    left_out: Dict[str, int] = {}      # event name -> rows not learnt from
    unknown_items = 0
    with handle:
        reader, _ = dict_reader(handle, inter_path)
        columns = _required_columns(reader, ("user_id", "item_id", "timestamp"), inter_path)
        # The data folder's invoice_no, or the import format's basket_id.
        basket_column = next((c for c in ("invoice_no", "basket_id") if c in columns), None)
        has_seq_pos = "seq_pos" in columns
        ids_read: Dict[str, str] = {}
        # The last timestamp read, not every one: rows of one order come together, and a file with
        # fractions of a second has nearly as many timestamps as rows (a dict of them grew by 100 MiB
        # for a million rows, to no gain).
        last_time_text: Optional[str] = None
        moment: Tuple[int, int] = (0, 0)
        check_fields = _fields_check(reader, ("user_id", "item_id", "timestamp", "event", basket_column, "seq_pos"),
                                     inter_path)
        for r in reader:
            row_number = reader.record_line
            check_fields(r)
            # Every row's ids, as the feature service checks them, the rows not learnt from too.
            # A field read before is that id again, as is the previous row's timestamp (most repeat;
            # checking each afresh took a third of the load's time).
            text = r["user_id"]
            user = ids_read.get(text)
            if user is None:
                user = ids_read[text] = _id(text, "user_id", inter_path, row_number)
            text = r["item_id"]
            item_id = ids_read.get(text)
            if item_id is None:
                item_id = ids_read[text] = _id(text, "item_id", inter_path, row_number)
            # So are its time, order and seq_pos (DatasetReader reads them before it skips a row).
            text = r["timestamp"]
            if text != last_time_text:
                moment = parse_moment(text, inter_path, row_number, zone, local_times)
                last_time_text = text
            when, nanos = moment
            basket = _trimmed(r[basket_column]) if basket_column else ""
            problem = basket_problem(basket)
            if problem:
                raise ValueError(f"{inter_path} line {row_number}: the invoice (basket){problem}")
            sequence = parse_seq_pos(r["seq_pos"], inter_path, row_number) if has_seq_pos else None
            event = _trimmed(r.get("event")).lower()
            if event not in TRAINED_EVENTS:
                if event not in OTHER_EVENTS:
                    raise ValueError(f"{inter_path} line {row_number}: event must be empty or one "
                                     f"of {', '.join(sorted(TRAINED_EVENTS - {''} | OTHER_EVENTS))}, "
                                     f"got {event!r}")
                left_out[event] = left_out.get(event, 0) + 1
                continue
            events = per_user.get(user)
            if events is None:
                if max_users is not None and len(user_order) >= max_users:
                    continue
                events = per_user[user] = []
                user_order.append(user)
            item = index_of.get(item_id)
            if item is None:
                unknown_items += 1
                continue
            # A purchase without an order is an order of its own, as IngestEvents counts one, and a
            # basket of its own. Without an order column the feature service (and import) groups a
            # customer's purchases of one shop day into an order; the held-out basket stays one event.
            basket_key = basket or ("no basket", row_number)
            # The order the feature service serves a record in (Dataset.Interaction.STORE_ORDER, an
            # import's too): the moment to the nanosecond, then seq_pos, then file order (without
            # seq_pos the sequence is the row number: no tie is left to break).
            events.append((when, nanos, sequence, row_number, item, basket_key) if has_seq_pos
                          else (when, nanos, row_number, item, basket_key))
    if left_out or unknown_items:
        print(f"{inter_path}: left out "
              + ", ".join([f"{n} {event} events" for event, n in sorted(left_out.items())]
                          + ([f"{unknown_items} rows (item not in items.csv)"] if unknown_items else []))
              + "; the model learns from purchases of catalogue items")
    fingerprint[os.path.basename(inter_path)] = sha256_of(inter_path)
    if local_times or (basket_column is None and time_zone):
        # The same files read in another zone are other events, so a model says which it learnt;
        # files whose times all carry an offset read alike in every zone, so then none is kept,
        # unless they have no order column: their orders are the shop's days in the zone (`orders`).
        fingerprint["time_zone"] = time_zone

    user_order = [user for user in user_order if per_user[user]]
    sequences, baskets, times, orders = [], [], [], []
    for user in user_order:
        events = sorted(per_user[user])
        items = np.array([e[-2] for e in events], dtype=np.int64)
        times.append(np.array([e[0] for e in events], dtype=np.int64))
        sequences.append(items)
        baskets.append(_numbered([e[-1] for e in events]))
    if basket_column:
        orders = baskets
    elif times:
        # Every user's days at once: a zone's rules are looked up once per distinct second.
        days = shop_days(np.concatenate(times), zone)
        orders = [_numbered(d.tolist()) for d in np.split(days, np.cumsum([len(t) for t in times])[:-1])]
    return Dataset(name, item_ids, titles, attributes, sizes, labels, user_order,
                   sequences, baskets, times, fingerprint, orders)


def _numbered(keys: list) -> np.ndarray:
    """One number per order (basket) key, as the feature service counts orders, in the order of their
    first lines: a late line of an order (after lines of a later one) is no new basket."""
    number_of: Dict[object, int] = {}
    return np.array([number_of.setdefault(key, len(number_of)) for key in keys], dtype=np.int64)


def shop_days(seconds: np.ndarray, zone: Optional[zoneinfo.ZoneInfo]) -> np.ndarray:
    """The day (days since 1970-01-01) each Unix second falls on in `zone`, in UTC when none is
    named, as the feature service's LocalTimeZone.dayOf: the shop's day."""
    if zone is None:
        return seconds // 86_400
    moments, at = np.unique(seconds, return_inverse=True)
    days = [(_EPOCH + datetime.timedelta(seconds=int(s))).astimezone(zone).date().toordinal() - _EPOCH_ORDINAL
            for s in moments.tolist()]
    return np.array(days, dtype=np.int64)[at]


@dataclass
class EvalCase:
    """One held-out basket: rank all items given `history` (oldest first, untruncated)."""

    user: int
    history: np.ndarray
    targets: np.ndarray          # distinct held-out items that are not in the history
    negatives: Optional[np.ndarray] = None   # sampled unseen items (sampled protocol)
    time: int = 0                # request time: Unix seconds of the held-out basket's first event


@dataclass
class Split:
    train: List[np.ndarray]      # per user, the events the model may learn from
    train_baskets: List[np.ndarray]   # basket number of each training event
    train_times: List[np.ndarray]     # Unix seconds of each training event
    valid: List[EvalCase]
    test: List[EvalCase]
    skipped_valid: int           # held-out baskets with no new item (or no history)
    skipped_test: int
    # The same test baskets with every distinct held-out item as a target, repeat purchases
    # included (also the baskets skipped above for having no new item): the buy-again metric.
    test_with_repeats: List[EvalCase] = field(default_factory=list)
    valid_with_repeats: List[EvalCase] = field(default_factory=list)
    # Events known at test time for counting recent purchases, (items, times) per user, when
    # they differ from the training events: with a global time cut, everything before T_test
    # (training + validation period; the model is not retrained on them). None: training events.
    test_count_events: Optional[tuple] = None


def basket_starts(numbers: np.ndarray) -> Tuple[np.ndarray, np.ndarray]:
    """(basket numbers, position of each one's first event), in the order of those positions.

    A basket's lines need not be together: a late line of an order can come after lines of a
    later one (Dataset.baskets)."""
    values, firsts = np.unique(numbers, return_index=True)
    order = np.argsort(firsts, kind="stable")
    return values[order], firsts[order]


def _basket_lines(items: np.ndarray, numbers: np.ndarray, start: int) -> np.ndarray:
    """The items of the basket of the event at `start`, from there on (all its lines, also one
    that comes after lines of later baskets)."""
    return items[start:][numbers[start:] == numbers[start]]


def leave_last_basket_out(dataset: Dataset, holdout_items: Optional[set] = None) -> Split:
    """Per user: last basket = test, second-to-last = validation, earlier = training.

    Baskets are ordered by their first events; a basket is all its lines (Dataset.baskets), and
    a case's history is everything before the basket's first event, so a line of an earlier
    basket bought after the test (validation) basket began is in neither that case's history nor
    its targets, nor trained on.
    A user with exactly two baskets has no validation basket: the first basket is training
    data and the history of the test case. A user with one basket is training data only.
    Leave-one-out on Amazon Beauty is the special case where every event is its own basket.
    Targets are the held-out items that are not in the history; cases without a target or
    without history are skipped (counted). `holdout_items` are removed from the training
    sequences (they still appear in histories and as targets at evaluation).
    """
    train, train_baskets, train_times, valid, test = [], [], [], [], []
    test_all, valid_all = [], []
    skipped_valid = skipped_test = 0
    for user, (items, numbers) in enumerate(zip(dataset.sequences, dataset.baskets)):
        times = dataset.times[user]
        _, firsts = basket_starts(numbers)
        count = len(firsts)
        if count >= 3:
            cut_valid = int(firsts[-2])
            cut_train = cut_valid
        elif count == 2:
            cut_valid = None
            cut_train = int(firsts[1])
        else:
            cut_valid = None
            cut_train = len(items)
        _add_training(train, train_baskets, train_times, items[:cut_train], numbers[:cut_train],
                      times[:cut_train], holdout_items)
        if count >= 2:
            cut_test = int(firsts[-1])
            held_out = _basket_lines(items, numbers, cut_test)
            case = _case(user, items[:cut_test], held_out, int(times[cut_test]))
            _add_repeat_case(test_all, user, items[:cut_test], held_out, int(times[cut_test]))
            if case is None:
                skipped_test += 1
            else:
                test.append(case)
        if cut_valid is not None:
            held_out = _basket_lines(items, numbers, cut_valid)
            case = _case(user, items[:cut_valid], held_out, int(times[cut_valid]))
            _add_repeat_case(valid_all, user, items[:cut_valid], held_out, int(times[cut_valid]))
            if case is None:
                skipped_valid += 1
            else:
                valid.append(case)
    return Split(train, train_baskets, train_times, valid, test, skipped_valid, skipped_test,
                 test_all, valid_all)


def _add_training(train, train_baskets, train_times, items, numbers, times, holdout_items):
    if holdout_items:
        keep = np.array([int(i) not in holdout_items for i in items], dtype=bool)
        items, numbers, times = items[keep], numbers[keep], times[keep]
    if len(items) > 0:
        train.append(items)
        train_baskets.append(numbers)
        train_times.append(times)


def time_cutoffs(dataset: Dataset, valid_fraction: float, test_fraction: float) -> tuple:
    """(T_valid, T_test): event-time quantiles leaving the given fractions of all events in
    [T_valid, T_test) and [T_test, end]."""
    times = np.sort(np.concatenate(dataset.times))
    t_test = int(times[int(len(times) * (1.0 - test_fraction))])
    t_valid = int(times[int(len(times) * (1.0 - test_fraction - valid_fraction))])
    return t_valid, t_test


def global_time_split(dataset: Dataset, valid_fraction: float = 0.1,
                      test_fraction: float = 0.1) -> Split:
    """One cut in time for everybody: events before T_valid are training data; a user's
    first basket begun in [T_valid, T_test) is a validation case and the first basket begun at
    or after T_test a test case, each with the user's whole history before it (the test history
    includes validation-period events, which are never trained on). A basket begins at its first
    line (basket_starts), so a late line of an earlier basket (Dataset.baskets) makes no case;
    the test case is all its basket's lines, the validation case those before T_test (no
    purchase at or after T_test is in a validation case). Unlike
    leave-last-basket-out, no training event is later than any evaluation request."""
    t_valid, t_test = time_cutoffs(dataset, valid_fraction, test_fraction)
    known_items, known_times = [], []
    train, train_baskets, train_times, valid, test = [], [], [], [], []
    test_all, valid_all = [], []
    skipped_valid = skipped_test = 0
    for user, (items, numbers) in enumerate(zip(dataset.sequences, dataset.baskets)):
        times = dataset.times[user]
        cut_train = int(np.searchsorted(times, t_valid, side="left"))
        cut_known = int(np.searchsorted(times, t_test, side="left"))
        if cut_known > 0:
            known_items.append(items[:cut_known])
            known_times.append(times[:cut_known])
        _add_training(train, train_baskets, train_times, items[:cut_train], numbers[:cut_train],
                      times[:cut_train], None)
        _, firsts = basket_starts(numbers)
        first_times = times[firsts]
        for low, end, cases in ((t_valid, cut_known, valid), (t_test, len(items), test)):
            # The first basket begun in the window: its first line at or after `low`, before `end`.
            which = int(np.searchsorted(first_times, low, side="left"))
            if which >= len(firsts) or firsts[which] >= end:
                continue
            start = int(firsts[which])
            held_out = _basket_lines(items[:end], numbers[:end], start)
            case = _case(user, items[:start], held_out, int(times[start]))
            _add_repeat_case(test_all if cases is test else valid_all, user, items[:start],
                             held_out, int(times[start]))
            if case is None:
                if cases is valid:
                    skipped_valid += 1
                else:
                    skipped_test += 1
            else:
                cases.append(case)
    return Split(train, train_baskets, train_times, valid, test, skipped_valid, skipped_test,
                 test_all, valid_all, (known_items, known_times))


def _case(user: int, history: np.ndarray, held_out: np.ndarray, time: int) -> Optional[EvalCase]:
    if len(history) == 0:
        return None
    seen = set(history.tolist())
    targets = []
    for item in held_out.tolist():
        if item not in seen and item not in targets:
            targets.append(item)
    if not targets:
        return None
    return EvalCase(user, history, np.array(targets, dtype=np.int64), time=time)


def _add_repeat_case(cases: List[EvalCase], user: int, history: np.ndarray,
                     held_out: np.ndarray, time: int) -> None:
    if len(history) > 0:
        targets = list(dict.fromkeys(held_out.tolist()))
        cases.append(EvalCase(user, history, np.array(targets, dtype=np.int64), time=time))


def attach_sampled_negatives(cases: List[EvalCase], dataset: Dataset, count: int,
                             seed: int) -> None:
    """Draws `count` distinct items uniformly from those the user never interacted with."""
    rng = np.random.default_rng(seed)
    n = dataset.num_items
    for case in cases:
        interacted = set(dataset.sequences[case.user].tolist())
        if n - len(interacted) < count:
            raise ValueError(f"user {dataset.user_ids[case.user]!r}: fewer than {count} items "
                             "the user never interacted with")
        chosen: List[int] = []
        taken = set()
        while len(chosen) < count:
            for item in rng.integers(1, n + 1, size=2 * count).tolist():
                if item not in interacted and item not in taken:
                    taken.add(item)
                    chosen.append(item)
                    if len(chosen) == count:
                        break
        case.negatives = np.array(chosen, dtype=np.int64)


def next_basket_targets(items: np.ndarray, baskets: np.ndarray,
                        rng: np.random.Generator) -> np.ndarray:
    """Target of each position: a random item of the next basket, the first one begun after it
    (0 when none is): any of its lines, also one that comes after lines of a later basket
    (Dataset.baskets), and a late line of an earlier basket is no basket of its own.

    Evaluation asks for the next basket given everything up to the end of a basket, so the
    order inside a basket (arbitrary: by stock code) is not a thing to learn. With one event
    per basket this is plain next-item prediction.
    """
    n = len(items)
    if n < 2:
        return np.zeros(n, dtype=np.int64)
    step = baskets[1:] - baskets[:-1]
    if step.min() < 0:
        return _targets_of_baskets(items, baskets, rng)
    # Numbers that never go down (as load_dataset numbers a user's orders when none has a late
    # line: nearly every user): each basket is a run of equal numbers. The same targets from the
    # same random numbers as _targets_of_baskets, in about half its time (this runs for every
    # user every epoch).
    return _targets_of_runs(items, step != 0, rng)


def _targets_of_runs(items: np.ndarray, changes: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """next_basket_targets where each basket's lines are together, given where the basket number
    changes (between position i and i + 1 at changes[i])."""
    n = len(items)
    begins = np.empty(n, dtype=bool)
    begins[0] = True
    begins[1:] = changes
    starts = np.flatnonzero(begins)
    count = len(starts)
    sizes = np.empty(count, dtype=np.int64)
    np.subtract(starts[1:], starts[:-1], out=sizes[:-1])
    sizes[-1] = n - starts[-1]
    nxt = np.cumsum(begins)      # the next basket's index: the baskets begun up to each position
    has_next = nxt < count
    nxt = nxt[has_next]
    targets = np.zeros(n, dtype=np.int64)
    targets[has_next] = items[starts[nxt] + (rng.random(len(nxt)) * sizes[nxt]).astype(np.int64)]
    return targets


def _targets_of_baskets(items: np.ndarray, baskets: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """next_basket_targets for any numbers, late lines too."""
    n = len(items)
    values, starts = basket_starts(baskets)
    # Each basket's positions, baskets in the order of their first events.
    rank = np.empty(len(values), dtype=np.int64)
    rank[np.argsort(values)] = np.arange(len(values))
    of_position = rank[np.searchsorted(np.sort(values), baskets)]
    positions = np.argsort(of_position, kind="stable")
    sizes = np.bincount(of_position, minlength=len(values))
    offsets = np.r_[0, np.cumsum(sizes)[:-1]]
    nxt_all = np.searchsorted(starts, np.arange(n), side="right")     # next basket begun after
    targets = np.zeros(n, dtype=np.int64)
    has_next = nxt_all < len(starts)
    nxt = nxt_all[has_next]
    picks = positions[offsets[nxt] + (rng.random(len(nxt)) * sizes[nxt]).astype(np.int64)]
    targets[has_next] = items[picks]
    return targets


def training_windows(sequences: List[np.ndarray], max_len: int, max_windows_per_user: int,
                     targets: Optional[List[np.ndarray]] = None):
    """Windows of <= max_len positions (inputs, targets), cut from the end of each sequence.

    Default targets are the next events (s[t+1]). Long sequences (UCI wholesalers have
    thousands of events) give several windows, newest first, capped at
    `max_windows_per_user` so a few users do not dominate training.
    """
    windows = []
    for u, seq in enumerate(sequences):
        if targets is None:
            inputs, tgt = seq[:-1], seq[1:]
        else:
            tgt = targets[u]
            last = int(np.flatnonzero(tgt)[-1]) + 1 if tgt.any() else 0
            inputs, tgt = seq[:last], tgt[:last]
        end = len(inputs)
        taken = 0
        while end > 0 and taken < max_windows_per_user:
            start = max(0, end - max_len)
            windows.append((inputs[start:end], tgt[start:end]))
            end = start
            taken += 1
    return windows
