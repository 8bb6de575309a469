"""The two files `bin/glassbox import` takes are a dataset folder the trainer reads, with the same
rules as the feature service: ISO-8601 or unix times, basket_id as the invoice, only purchases
learnt from, no seq_pos needed; and a run on them trains and exports a model."""

import contextlib
import datetime
import gzip
import io
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest
import zoneinfo
from unittest import mock

import numpy as np

TRAINER = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, TRAINER)

from glassbox_trainer import __main__ as cli  # noqa: E402
from glassbox_trainer import data as data_mod  # noqa: E402
from tests import shared_tables  # noqa: E402
from tests.shop_files import write_csv, write_shop_files  # noqa: E402
from tests.test_smoke import cli_args  # noqa: E402


def shared_timestamp_cases():
    """Timestamps and what both readers make of them (csv-timestamps.tsv, which the feature
    service's CsvValuesTest reads too): (outcome, field, zone name or None)."""
    return [(want, shared_tables.field(written), zone[0] if zone else None)
            for want, written, *zone in shared_tables.cases("csv-timestamps.tsv")]


class ImportFormatTest(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="glassbox-import-format-")

    def tearDown(self):
        shutil.rmtree(self.work, ignore_errors=True)

    def folder(self, name, items, interactions_header, interactions):
        folder = os.path.join(self.work, name)
        os.makedirs(folder)
        write_csv(os.path.join(folder, "items.csv"), ["item_id", "title"], items)
        write_csv(os.path.join(folder, "interactions.csv"), interactions_header, interactions)
        return folder

    def text_folder(self, name, items_text, interactions_text):
        """A folder of the two files written as given: for what write_csv would not write."""
        folder = os.path.join(self.work, name)
        os.makedirs(folder)
        for file, text in (("items.csv", items_text), ("interactions.csv", interactions_text)):
            with open(os.path.join(folder, file), "w", encoding="utf-8", newline="") as f:
                f.write(text)
        return folder

    def test_importFiles_readLikeTheDataFolderFormat(self):
        items = [["A", "Red mug"], ["B", "Blue mug"], ["C", "Tea towel"]]
        # The import format: ISO-8601 times, basket_id, events of every kind, no seq_pos.
        imported = self.folder("imported", items, ["user_id", "item_id", "timestamp", "event", "basket_id"], [
            ["u1", "B", "2011-01-02T10:00:00Z", "", "o2"],
            ["u1", "A", "2011-01-01T10:00:00+00:00", "purchase", "o1"],
            ["u1", "C", "2011-01-01T11:00:00Z", "click", ""],
            ["u1", "C", "2011-01-02T10:00:00Z", "PURCHASE", "o2"],
            ["u2", "A", "1293876000", "add_to_cart", ""],
            ["u2", "C", "1293876000", "feedback_negative", ""],
            ["u3", "Z", "2011-01-01T10:00:00Z", "", "o3"],
            ["u3", "A", "2011-01-01T12:00:00+02:00", "", "o3"],
        ])
        # The same purchases as a prepared data folder: unix seconds, invoice_no, seq_pos.
        prepared = self.folder("prepared", items, ["user_id", "item_id", "timestamp", "invoice_no", "seq_pos"], [
            ["u1", "A", "1293876000", "o1", "0"],
            ["u1", "B", "1293962400", "o2", "1"],
            ["u1", "C", "1293962400", "o2", "2"],
            ["u3", "A", "1293876000", "o3", "0"],
        ])
        got = data_mod.load_dataset(imported, name="shop")
        want = data_mod.load_dataset(prepared, name="shop")
        # Clicks, adds to cart and feedback are not learnt from; u2 has nothing else; the row of
        # an item missing from items.csv is left out.
        self.assertEqual(got.user_ids, ["u1", "u3"])
        self.assertEqual(got.user_ids, want.user_ids)
        for name in ("sequences", "baskets", "times"):
            for g, w in zip(getattr(got, name), getattr(want, name)):
                np.testing.assert_array_equal(g, w, err_msg=name)
        np.testing.assert_array_equal(got.sequences[0], [1, 2, 3])   # time order, then file order
        np.testing.assert_array_equal(got.baskets[0], [0, 1, 1])

    def test_spreadsheetFiles_readAsTheCommaSeparatedOnes(self):
        # As the feature service reads them (CsvReader, CsvValues): a byte order mark, semicolons,
        # decimal commas, times with a space and any offset form.
        plain = os.path.join(self.work, "plain")
        sheet = os.path.join(self.work, "sheet")
        os.makedirs(plain)
        os.makedirs(sheet)
        write_shop_files(plain, 60)
        write_shop_files(sheet, 60, spreadsheet=True)
        with open(os.path.join(sheet, "items.csv"), encoding="utf-8") as f:
            self.assertTrue(f.readline().startswith("\ufeffitem_id;title;price"))
        got = data_mod.load_dataset(sheet, name="shop")
        want = data_mod.load_dataset(plain, name="shop")
        self.assertEqual(got.item_ids, want.item_ids)
        self.assertEqual(got.user_ids, want.user_ids)
        for name in ("sequences", "baskets", "times"):
            for g, w in zip(getattr(got, name), getattr(want, name)):
                np.testing.assert_array_equal(g, w, err_msg=name)
        for name in want.attributes:
            np.testing.assert_array_equal(got.attributes[name], want.attributes[name], err_msg=name)
        self.assertEqual(data_mod.parse_price("2,95", ";"), 2.95)
        self.assertIsNone(data_mod.parse_price("2,95", ","))
        noon = 1323435000
        for text in ("2011-12-09 12:50:00+00:00", "2011-12-09T13:50+01", "2011-12-09 13:50:00+0100",
                     "2011-12-09t12:50:00z", "2011-12-09 07:50:00-05", "+1323435000",
                     "2011-12-09 13:50:00 +0100", "2011-12-09T07:50 -05:00", "2011-12-09 12:50:00 Z"):
            self.assertEqual(data_mod.parse_time(text, "f", 2), noon, text)
        # What the feature service refuses (CsvValuesTest), the trainer refuses too.
        for text in ("2011-12-09T12:50:00ZZ", "2011-12-09T12:50:00Z+00", "2011-12-09T13:50:00+01:00+01",
                     "2011-12-09T13:50+1", "1_323_435_000", "2011-12-09",
                     "20111209T125000Z", "2011-12-09x12:50:00Z", "99999999999999",
                     "2011-12-09 13:50:00  +0100", "2011-12-09 13:50:00 + 0100", "2011-12-09 +01"):
            with self.assertRaisesRegex(ValueError, "timestamp must be unix seconds or ISO-8601", msg=text):
                data_mod.parse_time(text, "f", 2)
        for text in ("2.95f", "0x1p3", "Infinity", "inf", "NaN", "1_000", ".", "1e999"):
            self.assertIsNone(data_mod.parse_price(text, ","), text)
        # Before 1970, as DatasetReader refuses it (EventTimeLimit.tooEarly), in its wording.
        for text, moment in (("0001-01-01T00:00:00Z", "0001-01-01T00:00:00Z"), ("-1", "1969-12-31T23:59:59Z"),
                             ("1970-01-01 00:59:59+01:00", "1969-12-31T23:59:59Z")):
            with self.assertRaisesRegex(ValueError, f"^f line 2: timestamp {moment} is before 1970-01-01T00:00:00Z: "
                                                    f"no shop event is that old", msg=text):
                data_mod.parse_time(text, "f", 2)
        self.assertEqual(data_mod.parse_time("0", "f", 2), 0)

    def test_separator_isLookedForOutsideQuotedNames_asTheFeatureServiceDoes(self):
        # CsvReaderTest reads the same header to the same separator and columns.
        header = 'id;"Price, EUR";"a ""b,c"""\n'
        self.assertEqual(data_mod.separator_of(header), ";")
        reader, separator = data_mod.dict_reader(io.StringIO(header + "1;3,50;x\n"), "f")
        self.assertEqual(separator, ";")
        self.assertEqual(next(reader), {"id": "1", "Price, EUR": "3,50", 'a "b,c"': "x"})
        self.assertEqual(data_mod.separator_of("id,title;x"), ",")
        self.assertEqual(data_mod.separator_of("id"), ",")

    def test_aQuoteNotClosedBeforeTheEnd_isNamedByTheLineItsRecordStarts_asTheFeatureServiceDoes(self):
        # CsvReaderTest#next_unclosedQuote_failsWithLine reads the same lines; before, the rest of
        # the file was read into the one field and trained on without a word.
        text = 'id,title\n1,"two\nlines"\n\n2,x"y\n3,"a""b"\n4,"open\nmore\n'
        reader, _ = data_mod.dict_reader(io.StringIO(text), "dir/test.csv")
        self.assertEqual([next(reader) for _ in range(3)], [{"id": "1", "title": "two\nlines"},
                                                             {"id": "2", "title": 'x"y'}, {"id": "3", "title": 'a"b'}])
        with self.assertRaisesRegex(ValueError, r"^test.csv line 7: quoted field is not closed before the end of the "
                                                r"file$"):
            next(reader)

    def test_lineBreaks_theCasesSharedWithTheFeatureService_readAsTheTableSays(self):
        # A line break in a quoted field, \r\n, \n or a lone \r, is \n, as CsvReaderTest reads it
        # (csv-line-breaks.tsv); before, Python's csv kept the file's \r\n or \r.
        cases = shared_tables.cases("csv-line-breaks.tsv")
        self.assertGreater(len(cases), 10)
        for number, (want, written) in enumerate(cases):
            folder = os.path.join(self.work, f"line-breaks-{number}")
            os.makedirs(folder)
            with open(os.path.join(folder, "items.csv"), "wb") as f:
                f.write(shared_tables.field(written).encode("utf-8"))
            path, handle = data_mod._open_csv(folder, "items")
            with handle, self.subTest(file=written):
                reader, _ = data_mod.dict_reader(handle, path)
                self.assertEqual(next(reader)["title"], shared_tables.field(want))

    def test_aHeaderWithAQuotedLineBreak_isARecord_andOneNeverClosed_isRefusedAtLine1(self):
        # As CsvReader's constructor reads a header: on over lines while a quote is open.
        reader, _ = data_mod.dict_reader(io.StringIO('id,"ti\n",title\n1,a,b\n'), "f")
        self.assertEqual(list(reader), [{"id": "1", "ti": "a", "title": "b"}])   # names trimmed, as CsvReader's
        with self.assertRaisesRegex(ValueError, r"^f.csv line 1: quoted field is not closed before the end of the file$"):
            data_mod.dict_reader(io.StringIO('id,"title\n1,a\n2,b\n'), "dir/f.csv")
        # However long the rest of the file is (Python's csv stopped at 128 KiB with its own error).
        reader, _ = data_mod.dict_reader(io.StringIO('id,title\n1,"' + "x" * 200_000 + "\n"), "dir/f.csv")
        with self.assertRaisesRegex(ValueError, r"^f.csv line 2: quoted field is not closed"):
            list(reader)

    def test_shortRows_seqPosAndTimesPastTheRange_areRefusedNamingTheLine_asTheFeatureServiceRefusesThem(self):
        items = [["A", "Red mug"]]
        short = self.folder("short", items, ["user_id", "item_id", "timestamp"], [["u1", "A"]])
        with self.assertRaisesRegex(ValueError, r"interactions.csv line 2: expected at least 3 fields, got 2$"):
            data_mod.load_dataset(short)
        seq = self.folder("seq", items, ["user_id", "item_id", "timestamp", "seq_pos"],
                          [["u1", "A", "100", "0"], ["u1", "A", "100", "9223372036854775808"]])
        with self.assertRaisesRegex(ValueError, r"interactions.csv line 3: seq_pos must be an integer from "
                                                r"-9223372036854775808 to 9223372036854775807, "
                                                r'got "9223372036854775808"$'):
            data_mod.load_dataset(seq)
        late = self.folder("late", items, ["user_id", "item_id", "timestamp"], [["u1", "A", "9999-12-31T23:59:59-05:00"]])
        with self.assertRaisesRegex(ValueError, r"interactions.csv line 2: timestamp must be unix seconds"):
            data_mod.load_dataset(late)

    def test_blankLines_holdNoRow_asTheFeatureServiceReadsThem(self):
        # CsvReaderTest: the same lines read to the same records.
        reader, _ = data_mod.dict_reader(io.StringIO('id,title\n\n1,a\r\n\r\n2,"b\n\nc"\n\n'), "f")
        self.assertEqual(list(reader), [{"id": "1", "title": "a"}, {"id": "2", "title": "b\n\nc"}])

    def test_spaceAfterASeparatorInTheHeader_isTrimmed_andAFileNotUtf8_isNamed(self):
        folder = self.text_folder("spaced", "item_id; title; price\nA; Red mug; 2,50\n",
                                  "user_id; item_id; timestamp\nu1; A; 2011-12-09 12:50:00+00:00\n")
        ds = data_mod.load_dataset(folder)
        self.assertEqual(ds.item_ids, ["A"])
        self.assertEqual([title.strip() for title in ds.titles], ["Red mug"])
        self.assertEqual(ds.user_ids, ["u1"])
        with open(os.path.join(folder, "items.csv"), "wb") as f:
            f.write("item_id,title\nA,Caf\u00e9 mug\n".encode("cp1252"))
        with self.assertRaisesRegex(ValueError, r"^items.csv is not valid UTF-8 \(a spreadsheet's plain CSV is "
                                                r"often Windows-1252: save it as CSV UTF-8\)$"):
            data_mod.load_dataset(folder)

    def test_fieldsLoseAsciiSpacesAtTheirEnds_aNoBreakSpaceIsPartOfTheId(self):
        # DatasetReaderTest reads the same files to the same ids: String.trim's spaces, tabs and
        # ASCII control characters are trimmed, a no-break space is not (str.strip() trimmed it).
        folder = self.text_folder("trimmed", "item_id,title\n A\t,Mug\nA\u00a0,Plate\n",
                                  "user_id,item_id,timestamp,basket_id\n"
                                  "u1\u0000,A ,1323435000\u001f, o1\nu1,A\u00a0,\t1323435000,o1\n")
        ds = data_mod.load_dataset(folder)
        self.assertEqual(ds.item_ids, ["A", "A\u00a0"])
        self.assertEqual(ds.user_ids, ["u1"])
        np.testing.assert_array_equal(ds.sequences[0], [1, 2])
        np.testing.assert_array_equal(ds.baskets[0], [0, 0])

    def test_withoutABasketColumn_everyEventIsABasket(self):
        folder = self.folder("plain", [["A", "Red mug"], ["B", "Blue mug"]],
                             ["user_id", "item_id", "timestamp"],
                             [["u1", "A", "100"], ["u1", "B", "100"], ["u1", "A", "50"]])
        ds = data_mod.load_dataset(folder)
        np.testing.assert_array_equal(ds.sequences[0], [1, 1, 2])
        np.testing.assert_array_equal(ds.baskets[0], [0, 1, 2])

    def test_withoutAnOrderColumn_anOrderIsOneShopDay_andEveryEventStaysABasketOfItsOwn(self):
        # As the feature service serves such a folder (DatasetReader.dayBasket, an import's too): one
        # customer's purchases of one shop day are one order, the day in the data folder's zone (UTC
        # when none is named: LocalTimeZone.dayOf), for the buy-again rule. The held-out basket stays
        # one event (leave-one-out, the Amazon Beauty protocol): `baskets` do not change.
        # 10:00Z, 20:00Z and 22:00Z on 2011-12-09: one UTC day; in Tokyo (+09:00) 19:00 on the 9th,
        # then 05:00 and 07:00 on the 10th.
        folder = self.folder("days", [["A", "Red mug"], ["B", "Blue mug"]],
                             ["user_id", "item_id", "timestamp"],
                             [["u1", "A", "1323424800"], ["u1", "B", "1323460800"], ["u1", "A", "1323468000"],
                              ["u2", "B", "1323460800"], ["u3", "A", "1323475199"], ["u3", "B", "1323475200"]])
        utc = data_mod.load_dataset(folder)
        np.testing.assert_array_equal(utc.orders[0], [0, 0, 0])
        np.testing.assert_array_equal(utc.baskets[0], [0, 1, 2])
        np.testing.assert_array_equal(utc.orders[2], [0, 1])     # 23:59:59Z, then 00:00:00Z
        tokyo = data_mod.load_dataset(folder, time_zone="Asia/Tokyo")
        np.testing.assert_array_equal(tokyo.orders[0], [0, 1, 1])
        np.testing.assert_array_equal(tokyo.orders[1], [0])
        np.testing.assert_array_equal(tokyo.orders[2], [0, 0])   # 08:59:59 and 09:00 on the 10th
        np.testing.assert_array_equal(tokyo.baskets[0], [0, 1, 2])
        # DatasetReaderTest's case: a time's offset does not pick its day, the shop's zone does. In
        # America/Los_Angeles 09:00 and 20:00 on 3 March are one day, 00:30 on 4 March the next;
        # in UTC (no zone named) 20:00-08:00 is already 4 March.
        folder = self.folder("offsets", [["A", "Mug"], ["B", "Plate"], ["C", "Bowl"]],
                             ["user_id", "item_id", "timestamp"],
                             [["u1", "A", "2011-03-03T09:00:00-08:00"], ["u1", "B", "2011-03-03T20:00:00-08:00"],
                              ["u1", "C", "2011-03-04T00:30:00-08:00"]])
        np.testing.assert_array_equal(data_mod.load_dataset(folder, time_zone="America/Los_Angeles").orders[0],
                                      [0, 0, 1])
        np.testing.assert_array_equal(data_mod.load_dataset(folder).orders[0], [0, 1, 1])
        # Summer time: 2011-07-01T23:30Z is 00:30 on 2 July in Europe/London (+01:00), 22:30Z still
        # 1 July; in January London is UTC and both are 1 January. A fixed offset fails one of them.
        folder = self.folder("summer", [["A", "Mug"], ["B", "Plate"], ["C", "Bowl"]],
                             ["user_id", "item_id", "timestamp"],
                             [["u1", "A", "2011-07-01T22:30:00Z"], ["u1", "B", "2011-07-01T23:30:00Z"],
                              ["u2", "A", "2011-01-01T22:30:00Z"], ["u2", "C", "2011-01-01T23:30:00Z"]])
        london = data_mod.load_dataset(folder, time_zone="Europe/London")
        np.testing.assert_array_equal(london.orders[0], [0, 1])
        np.testing.assert_array_equal(london.orders[1], [0, 0])

    def test_withoutAnOrderColumn_theZoneOfItsShopDays_isKeptInTheFingerprint(self):
        # Its times all carry an offset, yet its orders are days in the zone: a model must say which.
        folder = self.folder("zoned", [["A", "Red mug"], ["B", "Blue mug"]],
                             ["user_id", "item_id", "timestamp"],
                             [["u1", "A", "1323424800"], ["u1", "B", "1323460800"]])
        self.assertEqual(data_mod.load_dataset(folder, time_zone="Asia/Tokyo").fingerprint.get("time_zone"),
                         "Asia/Tokyo")
        self.assertNotIn("time_zone", data_mod.load_dataset(folder).fingerprint)
        # With an order column the zone changes nothing there: none is kept.
        folder = self.folder("ordered", [["A", "Red mug"], ["B", "Blue mug"]],
                             ["user_id", "item_id", "timestamp", "invoice_no"],
                             [["u1", "A", "1323424800", "o1"], ["u1", "B", "1323460800", "o2"]])
        self.assertNotIn("time_zone", data_mod.load_dataset(folder, time_zone="Asia/Tokyo").fingerprint)

    def test_purchasesWithAnEmptyBasketId_areAnOrderEach(self):
        # As import and the store count them: "a purchase without a basket id is an order of its own".
        folder = self.folder("loose", [["A", "Red mug"], ["B", "Blue mug"]],
                             ["user_id", "item_id", "timestamp", "basket_id"],
                             [["u1", "A", "100", ""], ["u1", "B", "200", ""], ["u1", "A", "300", "o1"],
                              ["u1", "B", "300", "o1"]])
        ds = data_mod.load_dataset(folder)
        np.testing.assert_array_equal(ds.baskets[0], [0, 1, 2, 2])
        # Also as orders: the file has an order column, so no day groups them.
        np.testing.assert_array_equal(ds.orders[0], [0, 1, 2, 2])

    def test_aLateLineOfAnOrder_makesNoNewBasket_andTheLastOrderIsTheTestCase(self):
        # Order o1's line E comes after order o2's lines: the feature service counts o1 once (a basket
        # is one user's order id: DatasetIndex, RegularItems), so E keeps o1's number, where its time
        # puts it (csv-event-order.tsv). The test case is o2, asked for at its time; E, bought after
        # that, is neither its history nor a target (nor a basket of its own, held out instead).
        folder = self.folder("late", [[i, f"Mug {i}"] for i in "ABCDE"],
                             ["user_id", "item_id", "timestamp", "basket_id"],
                             [["u1", "A", "100", "o1"], ["u1", "B", "100", "o1"], ["u1", "C", "200", "o2"],
                              ["u1", "D", "200", "o2"], ["u1", "E", "300", "o1"]])
        ds = data_mod.load_dataset(folder)
        np.testing.assert_array_equal(ds.sequences[0], [1, 2, 3, 4, 5])
        np.testing.assert_array_equal(ds.baskets[0], [0, 0, 1, 1, 0])
        split = data_mod.leave_last_basket_out(ds)
        self.assertEqual([(c.history.tolist(), c.targets.tolist(), c.time) for c in split.test],
                         [([1, 2], [3, 4], 200)])
        self.assertEqual((split.valid, split.skipped_valid), ([], 0))
        self.assertEqual([t.tolist() for t in split.train], [[1, 2]])

    def test_timeSplit_aLateLineAtTheTestCut_isNoTestCaseNorAValidationTarget(self):
        # u1's order Y begins at t = 8 (T_valid) and has a late line I9 at t = 9 (T_test), before
        # order Z's line at t = 9. The validation case is Y as known before T_test (I2, I3); the test
        # case is Z, the first order begun at or after T_test, whose history holds I9: I9 is a target
        # of no case, where it was the validation case's and (alone) the test case's.
        rows = [["u1", "I1", "0", "X"], ["u1", "I2", "8", "Y"], ["u1", "I3", "8", "Y"],
                ["u1", "I9", "9", "Y"], ["u1", "I4", "9", "Z"]]
        # Another customer's 16 orders, 15 at t = 0 and one at t = 9, put the cuts at (8, 9).
        rows += [["f", f"I{20 + k}", "0", f"F{k}"] for k in range(15)] + [["f", "I36", "9", "G"]]
        folder = self.folder("late-at-cut", [[f"I{k}", f"Mug {k}"] for k in range(1, 41)],
                             ["user_id", "item_id", "timestamp", "basket_id"], rows)
        ds = data_mod.load_dataset(folder)
        np.testing.assert_array_equal(ds.baskets[0], [0, 1, 1, 1, 2])
        self.assertEqual(data_mod.time_cutoffs(ds, 0.1, 0.1), (8, 9))
        split = data_mod.global_time_split(ds)

        def cases(of):
            return [([ds.item_ids[i - 1] for i in c.history], [ds.item_ids[i - 1] for i in c.targets], c.time)
                    for c in of if c.user == 0]
        self.assertEqual(cases(split.valid), [(["I1"], ["I2", "I3"], 8)])
        self.assertEqual(cases(split.valid_with_repeats), [(["I1"], ["I2", "I3"], 8)])
        self.assertEqual(cases(split.test), [(["I1", "I2", "I3", "I9"], ["I4"], 9)])
        self.assertEqual(cases(split.test_with_repeats), [(["I1", "I2", "I3", "I9"], ["I4"], 9)])

    def test_badRows_areNamedByLine(self):
        folder = self.folder("bad", [["A", "Red mug"]], ["user_id", "item_id", "timestamp", "event"],
                             [["u1", "A", "100", ""], ["u1", "A", "yesterday", ""]])
        with self.assertRaisesRegex(ValueError, r"interactions.csv line 3: timestamp must be unix "
                                                r"seconds or ISO-8601.*'yesterday'"):
            data_mod.load_dataset(folder)
        folder = self.folder("naive", [["A", "Red mug"]], ["user_id", "item_id", "timestamp"],
                             [["u1", "A", "2011-01-01T10:00:00"]])
        with self.assertRaisesRegex(ValueError, "line 2: timestamp has no UTC offset, so its moment is unknown: "
                                                "write one, such as 2011-12-09T12:50:00Z .*'2011-01-01T10:00:00'"):
            data_mod.load_dataset(folder)
        folder = self.folder("event", [["A", "Red mug"]], ["user_id", "item_id", "timestamp", "event"],
                             [["u1", "A", "100", "wishlist"]])
        with self.assertRaisesRegex(ValueError, "line 2: event must be empty or one of .*'wishlist'"):
            data_mod.load_dataset(folder)
        folder = self.folder("header", [["A", "Red mug"]], ["user", "item_id", "timestamp"], [])
        with self.assertRaisesRegex(ValueError, "no user_id column"):
            data_mod.load_dataset(folder)
        # As DatasetReader refuses an items.csv without them; before, a missing title column read
        # as every item untitled (titled with its id), and a missing item_id stopped on a KeyError.
        for number, header in enumerate(("item_id,name", "id,title", "title")):
            folder = self.text_folder(f"items-header-{number}", header + "\nA,Red mug\n",
                                      "user_id,item_id,timestamp\n")
            missing = ", ".join(c for c in ("item_id", "title") if c not in header.split(","))
            with self.subTest(header=header):
                with self.assertRaises(ValueError) as refused:
                    data_mod.load_dataset(folder)
                self.assertEqual(str(refused.exception),
                                 f"{folder}/items.csv: no {missing} column (the header reads {header})")

    def test_aBadRow_isNamedByThePhysicalLineItStartsOn_asTheFeatureServiceNamesIt(self):
        # DatasetReaderTest#read_badRowAfterBlankLinesAndALineBreak_namesThePhysicalLine reads the same
        # file to the same line: the record on line 6, after a quoted line break and two blank lines.
        folder = self.text_folder("physical", "item_id,title\nA,Mug\n",
                                  'user_id,item_id,timestamp,note\nu1,A,100,"two\nlines"\n\n\nu1,A,yesterday,x\n')
        with self.assertRaisesRegex(ValueError, r"interactions.csv line 6: timestamp must be unix seconds"):
            data_mod.load_dataset(folder)

    def test_aTimeWithAnOffsetOutOfRange_isRefusedSayingSo_namingTheFileAndLine(self):
        # Before, "timestamp must be unix seconds or ISO-8601", as though the rest were wrong; the
        # feature service's CsvValues and feedback --time say the same words.
        folder = self.text_folder("offset", "item_id,title\nA,Mug\n",
                                  "user_id,item_id,timestamp\nu1,A,100\nu1,A,2011-12-09 12:00:00 +25:00\n")
        with self.assertRaises(ValueError) as refused:
            data_mod.load_dataset(folder)
        self.assertEqual(str(refused.exception),
                         f"{folder}/interactions.csv line 3: timestamp's UTC offset is out of range: ISO-8601 "
                         f"offsets run from -18:00 to +18:00, their minutes and seconds from 00 to 59, "
                         f"got '2011-12-09 12:00:00 +25:00'")

    def test_theTimestampCasesSharedWithTheFeatureService_readAsTheTableSays(self):
        # Each field is the moment, to the second, or the refusal CsvValuesTest reads it as.
        refusals = {"unreadable": "timestamp must be unix seconds or ISO-8601",
                    "no-offset": "timestamp has no UTC offset", "before-1970": r"timestamp \S+ is before 1970",
                    "offset-out-of-range": re.escape(data_mod.OFFSET_OUT_OF_RANGE + ", got ")}
        cases = shared_timestamp_cases()
        self.assertGreater(len(cases), 100)
        for want, field, zone_name in cases:
            zone = data_mod.time_zone_named(zone_name)
            with self.subTest(field=field, zone=zone_name):
                if want in refusals:
                    with self.assertRaisesRegex(ValueError, "^f line 2: " + refusals[want]):
                        data_mod.parse_time(field, "f", 2, zone)
                else:
                    # The second the moment falls in (none of them is before 1970), and its fraction.
                    second, _, fraction = want.rstrip("Z").partition(".")
                    moment = datetime.datetime.fromisoformat(second + "+00:00")
                    self.assertEqual(data_mod.parse_moment(field, "f", 2, zone),
                                     (int(moment.timestamp()), int(fraction.ljust(9, "0"))))
                    self.assertEqual(data_mod.parse_time(field, "f", 2, zone), int(moment.timestamp()))

    def test_seqPos_theCasesSharedWithTheFeatureService_readAsTheTableSays(self):
        # Each field is the integer, or refused, as CsvValuesTest reads it (csv-seq-pos.tsv).
        cases = shared_tables.cases("csv-seq-pos.tsv")
        self.assertGreater(len(cases), 40)
        for want, written in cases:
            text = shared_tables.field(written)
            with self.subTest(field=written):
                if want == "refused":
                    with self.assertRaises(ValueError) as refused:
                        data_mod.parse_seq_pos(text, "f", 2)
                    self.assertEqual(str(refused.exception), f"f line 2: {data_mod.UNREADABLE_SEQ_POS}, got \"{text}\"")
                else:
                    self.assertEqual(data_mod.parse_seq_pos(text, "f", 2), int(want))

    def test_ids_theCasesSharedWithTheFeatureService_asAUserIdAndAsAnInvoice_readAsTheTableSays(self):
        # Each field, a row's user_id, is the id DatasetReaderTest reads, or refused in its words (csv-ids.tsv);
        # as the row's invoice_no (first on its line again), read or refused in its words too.
        cases = shared_tables.cases("csv-ids.tsv")
        self.assertGreater(len(cases), 30)
        for number, (want, written, outcome, invoice) in enumerate(cases):
            field = shared_tables.field(written)
            folder = self.text_folder(f"ids-{number}", "item_id,title\nA,Mug\n", "user_id,item_id,timestamp\n"
                                      + field + ",A,1323435000\n")
            with self.subTest(field=written):
                if want == "read":
                    self.assertEqual(data_mod.load_dataset(folder).user_ids, [shared_tables.field(outcome)])
                else:
                    with self.assertRaises(ValueError) as refused:
                        data_mod.load_dataset(folder)
                    self.assertEqual(str(refused.exception), f"{folder}/interactions.csv line 2: user_id{outcome}")
            folder = self.text_folder(f"invoices-{number}", "item_id,title\nA,Mug\n",
                                      "invoice_no,user_id,item_id,timestamp\n" + field + ",u1,A,1323435000\n")
            with self.subTest(invoice=written):
                if invoice == "read":
                    self.assertEqual(data_mod.load_dataset(folder).user_ids, ["u1"])
                else:
                    with self.assertRaises(ValueError) as refused:
                        data_mod.load_dataset(folder)
                    self.assertEqual(str(refused.exception), f"{folder}/interactions.csv line 2: the invoice (basket)"
                                     + shared_tables.field(invoice))

    def test_titles_theCasesSharedWithTheFeatureService_readAsTheTableSays(self):
        # Each items.csv row's title is the one DatasetReaderTest reads (csv-titles.tsv): trimmed as
        # String.trim trims. Where the service shows the item's id for want of a title, the trainer
        # learns no title words (no table row titles an item with its own id otherwise).
        cases = shared_tables.cases("csv-titles.tsv")
        self.assertGreater(len(cases), 20)
        untitled = 0
        for number, (want, written) in enumerate(cases):
            folder = self.text_folder(f"titles-{number}", "item_id,title\n" + shared_tables.field(written) + "\n",
                                      "user_id,item_id,timestamp\n")
            with self.subTest(row=written):
                dataset = data_mod.load_dataset(folder)
                read = shared_tables.field(want)
                untitled += read == dataset.item_ids[0]
                self.assertEqual(dataset.titles, ["" if read == dataset.item_ids[0] else read])
        self.assertEqual(untitled, 7)

    def test_anIdNoRequestWouldTake_isRefusedOnEveryRow_asTheFeatureServiceRefusesIt(self):
        # As DatasetReader refuses them (DatasetReaderTest#read_idNoRequestWouldTake_failsNamingFileLineAndRule):
        # items.csv's ids too, and those of rows the model does not learn from (a click, an item not in items.csv).
        items = "item_id,title\nA,Mug\n"
        for name, items_text, interactions, message in (
                ("item", items + "B" * 129 + ",Plate\n", "user_id,item_id,timestamp\n",
                 "items.csv line 3: item_id must be at most 128 characters, got 129"),
                ("click", items, "user_id,item_id,timestamp,event\nu1,A,100,\nu\u00002,A,100,click\n",
                 "interactions.csv line 3: user_id must not contain control characters, got U+0000 at index 1"),
                ("unknown", items, "user_id,item_id,timestamp\nu1,A,100\nu1,Z\u0085,100\n",
                 "interactions.csv line 3: item_id must not contain control characters, got U+0085 at index 1"),
                ("empty", items, "user_id,item_id,timestamp\nu1,A,100\n\t,A,100\n",
                 "interactions.csv line 3: user_id must not be empty"),
                # Their times, baskets and seq_pos too (DatasetReader reads them before it skips a row).
                ("click time", items, "user_id,item_id,timestamp,event\nu1,A,100,\nu1,A,not-a-time,click\n",
                 None),
                ("unknown seq_pos", items, "user_id,item_id,timestamp,seq_pos\nu1,A,100,1\nu1,Z,100,"
                 + "9" * 20 + "\n", "interactions.csv line 3: seq_pos must be an integer from -9223372036854775808"
                 " to 9223372036854775807, got \"" + "9" * 20 + "\""),
                ("long basket", items, "user_id,item_id,timestamp,basket_id\nu1,A,100,o1\nu1,A,100," + "o" * 129
                 + "\n", "interactions.csv line 3: the invoice (basket) must be at most 128 characters, got 129"),
                # A basket's id as DatasetReader takes it (RequestChecks.optionalIdProblem).
                ("escape in basket", items, "user_id,item_id,timestamp,invoice_no\nu1,A,100,536365\nu1,A,200,5\x1b6\n",
                 "interactions.csv line 3: the invoice (basket) must not contain control characters, got U+001B at index 1"),
                ("blank basket", items, "user_id,item_id,timestamp,invoice_no\nu1,A,100,536365\nu1,A,200,\u3000\n",
                 "interactions.csv line 3: the invoice (basket) must not begin or end with a space, got \"\u3000\""),
                # Quoted as Descriptions.truncate quotes it: 64 characters and a note of the length.
                ("long blank basket", items, "user_id,item_id,timestamp,invoice_no\nu1,A,100,536365\nu1,A,200,"
                 + "\u3000" * 70 + "\n", "interactions.csv line 3: the invoice (basket) must not begin or end with a "
                 "space, got \"" + "\u3000" * 64 + "... (70 characters)\"")):
            folder = self.text_folder(name, items_text, interactions)
            with self.subTest(name):
                with self.assertRaises(ValueError) as refused:
                    data_mod.load_dataset(folder)
                if message is None:
                    self.assertTrue(str(refused.exception).startswith(f"{folder}/interactions.csv line 3: "),
                                    str(refused.exception))
                else:
                    self.assertEqual(str(refused.exception), f"{folder}/{message}")

    def test_eventOrder_theCasesSharedWithTheFeatureService_areTheSequencesLearnt(self):
        # Each user's events in the order the feature service serves them (CsvEventOrderTest,
        # csv-event-order.tsv): by their moment to the nanosecond, then seq_pos, then file order.
        cases = {}
        for name, user, item, timestamp, seq_pos, place in shared_tables.cases("csv-event-order.tsv"):
            cases.setdefault(name, []).append((user, item, shared_tables.field(timestamp), seq_pos, int(place)))
        self.assertGreater(len(cases), 10)
        for name, rows in cases.items():
            columns = 4 if rows[0][3] != "-" else 3    # seq_pos, or none
            # items.csv lists a case's items last row first, as CsvEventOrderTest writes it.
            folder = self.folder(name, [[item, "Item"] for _, item, *_ in reversed(rows)],
                                 ["user_id", "item_id", "timestamp", "seq_pos"][:columns],
                                 [list(row[:columns]) for row in rows])
            want = {}
            for user, item, *_ in sorted(rows, key=lambda row: row[4]):
                want.setdefault(user, []).append(item)
            dataset = data_mod.load_dataset(folder)
            with self.subTest(case=name):
                self.assertEqual({user: [dataset.item_ids[index - 1] for index in sequence]
                                  for user, sequence in zip(dataset.user_ids, dataset.sequences)}, want)

    def test_unixSecondsWithThousandsOfDigits_areReadByTheirValue(self):
        # As Long.parseLong reads them, leading zeros and all (CsvValuesTest reads the same).
        self.assertEqual(data_mod.parse_time("0" * 5000 + "1323435000", "f", 2), 1323435000)
        with self.assertRaisesRegex(ValueError, "^f line 2: timestamp must be unix seconds or ISO-8601"):
            data_mod.parse_time("9" * 5000, "f", 2)

    def test_timesWithoutAnOffset_inANamedZone_areTheMomentsJavaTimeGives(self):
        london = data_mod.time_zone_named("Europe/London")
        # LocalDateTime.atZone: a skipped hour at the offset before the change, a repeated hour
        # at its earlier occurrence (summer time).
        for text, seconds in (("2011-03-27 01:30:00", 1301189400), ("2011-10-30 01:30:00", 1319934600),
                              ("2011-12-09 12:50:00", 1323435000), ("2011-06-09T12:50:00", 1307620200),
                              ("2011-06-09T12:50:00Z", 1307623800), ("2011-06-09 13:50:00+01:00", 1307623800),
                              ("1323435000", 1323435000)):
            self.assertEqual(data_mod.parse_time(text, "f", 2, london), seconds, text)
        self.assertEqual(data_mod.parse_time("2011-06-09T12:50:00", "f", 2, data_mod.time_zone_named("UTC")),
                         1307623800)
        for zone in (None, zoneinfo.ZoneInfo("Asia/Tokyo")):
            self.assertEqual(data_mod.parse_time("2011-06-09T12:50:00Z", "f", 2, zone), 1307623800)
            self.assertEqual(data_mod.parse_time("1323435000", "f", 2, zone), 1323435000)
        with self.assertRaises(ValueError) as refused:
            data_mod.parse_time("2011-12-09 12:50:00", "f", 2)
        self.assertEqual(str(refused.exception),
                         "f line 2: timestamp has no UTC offset, so its moment is unknown: write one, such as "
                         "2011-12-09T12:50:00Z (UTC) or 2011-12-09 12:50:00+01:00, or name the time zone of "
                         "the file's times (GLASSBOX_DATA_TIME_ZONE=Europe/London, say), "
                         "got '2011-12-09 12:50:00'")

    def test_aTimeZoneName_isATzDatabaseRegion_elseRefused(self):
        self.assertIsNone(data_mod.time_zone_named(None))
        self.assertIsNone(data_mod.time_zone_named(""))
        self.assertEqual(data_mod.time_zone_named("Europe/London"), zoneinfo.ZoneInfo("Europe/London"))
        self.assertEqual(data_mod.time_zone_named("America/Argentina/Buenos_Aires").key,
                         "America/Argentina/Buenos_Aires")
        self.assertEqual(data_mod.time_zone_named("UTC").key, "UTC")
        self.assertEqual(data_mod.time_zone_named("Etc/GMT-1").key, "Etc/GMT-1")
        # The last ones: legacy names only one side's tz database holds (CsvValuesTest refuses the same).
        for name in ("Mars/Olympus", "+01:00", "../etc/passwd", "/usr/share/zoneinfo/UTC", "Europe/London ",
                     " UTC", "Europe", "Europe/", "Europe//London", "Europe/../UTC", "SystemV/EST5", "EST",
                     "GMT+0", "ROC", "posix/Europe/London", "right/Europe/London", "localtime", "Factory",
                     "US/Eastern"):
            with self.assertRaises(ValueError, msg=name) as refused:
                data_mod.time_zone_named(name)
            self.assertEqual(str(refused.exception), "GLASSBOX_DATA_TIME_ZONE must be a time zone name such as "
                                                     f"Europe/London or UTC, got \"{name}\"")

    def test_aFolderOfLocalTimes_readInItsZone_isTheFolderWithOffsets_andTheModelSaysWhichZone(self):
        items = [["A", "Red mug"], ["B", "Blue mug"]]
        header = ["user_id", "item_id", "timestamp", "basket_id"]
        local = self.folder("local", items, header, [
            ["u1", "A", "2011-12-09 12:50:00", "o1"], ["u1", "B", "2011-06-09T12:50:00", "o2"],
            ["u2", "A", "2011-10-30 01:30:00", "o3"], ["u2", "B", "2011-10-30T01:10:00Z", "o4"]])
        offsets = self.folder("offsets", items, header, [
            ["u1", "A", "2011-12-09 12:50:00+00:00", "o1"], ["u1", "B", "2011-06-09T12:50:00+01:00", "o2"],
            ["u2", "A", "2011-10-30 01:30:00+01:00", "o3"], ["u2", "B", "2011-10-30T01:10:00Z", "o4"]])
        got = data_mod.load_dataset(local, name="shop", time_zone="Europe/London")
        want = data_mod.load_dataset(offsets, name="shop")
        self.assertEqual(got.user_ids, want.user_ids)
        for name in ("sequences", "baskets", "times"):
            for g, w in zip(getattr(got, name), getattr(want, name)):
                np.testing.assert_array_equal(g, w, err_msg=name)
        np.testing.assert_array_equal(got.times[0], [1307620200, 1323435000])
        np.testing.assert_array_equal(got.sequences[1], [1, 2])    # 00:30Z, before the 01:10Z
        self.assertEqual(got.fingerprint["time_zone"], "Europe/London")
        self.assertEqual(set(want.fingerprint), {"items.csv", "interactions.csv"})
        with self.assertRaisesRegex(ValueError, r"interactions.csv line 2: timestamp has no UTC offset.*"
                                                r"Europe/London, say\), got '2011-12-09 12:50:00'$"):
            data_mod.load_dataset(local)
        with self.assertRaisesRegex(ValueError, "^GLASSBOX_DATA_TIME_ZONE must be a time zone name"):
            data_mod.load_dataset(local, time_zone="Europe/Londres")

    def test_timeZoneOption_defaultsToTheEnvironment_andAFolderFault_endsTheCommandWithoutATraceback(self):
        for command in (["train", "--data", "d"], ["evaluate", "--model", "m", "--data", "d"],
                        ["device-bench", "--model", "m", "--data", "d"],
                        ["reexport", "--model", "m", "--data", "d"]):
            with mock.patch.dict(os.environ, {"GLASSBOX_DATA_TIME_ZONE": "Europe/London"}):
                parser = cli.build_parser()
            self.assertEqual(parser.parse_args(command).time_zone, "Europe/London", command)
            self.assertEqual(parser.parse_args(command + ["--time-zone", "UTC"]).time_zone, "UTC", command)
            with mock.patch.dict(os.environ, {"GLASSBOX_DATA_TIME_ZONE": ""}):
                self.assertFalse(cli.build_parser().parse_args(command).time_zone, command)
        folder = self.folder("local", [["A", "Red mug"]], ["user_id", "item_id", "timestamp"],
                             [["u1", "A", "2011-12-09 12:50:00"]])
        model = os.path.join(self.work, "model")
        os.makedirs(model)
        with open(os.path.join(model, "metadata.json"), "w", encoding="utf-8") as f:
            f.write('{"data_fingerprint": null}')     # the folder's own check comes before any model work
        environment = dict(os.environ, GLASSBOX_DATA_TIME_ZONE="Mars/Olympus")
        trainer = subprocess.run([sys.executable, "-m", "glassbox_trainer", "reexport", "--model", model,
                                  "--data", folder], cwd=TRAINER, env=environment, capture_output=True, text=True)
        self.assertEqual(trainer.returncode, 1)
        self.assertIn('\nGLASSBOX_DATA_TIME_ZONE must be a time zone name such as Europe/London or UTC, '
                      'got "Mars/Olympus"\n', "\n" + trainer.stderr)
        self.assertNotIn("Traceback", trainer.stderr)
        with mock.patch.dict(os.environ, {"GLASSBOX_DATA_TIME_ZONE": ""}):
            with self.assertRaisesRegex(SystemExit, r"^\S*interactions.csv line 2: timestamp has no UTC offset"):
                cli.main(["evaluate", "--model", model, "--data", folder])

    def test_aShopWhoseCustomersHaveTwoOrdersEach_isRefused_notExportedUntrained(self):
        items = [[f"I{i}", f"Item {i}"] for i in range(6)]
        rows = [[f"u{u}", f"I{(u + 2 * order + k) % 6}", str(1_000_000 + 86_400 * order + k), f"o{u}-{order}"]
                for u in range(15) for order in range(2) for k in range(2)]
        folder = self.folder("two-orders", items, ["user_id", "item_id", "timestamp", "basket_id"], rows)
        models = os.path.join(self.work, "models")
        command = ["train", "--data", folder, "--name", "shop", "--epochs", "1", "--dim", "16", "--layers", "1",
                   "--sampled-negatives", "0", "--run-dir", os.path.join(self.work, "run"), "--models-dir", models,
                   "--version", "test.1"]
        with self.assertRaisesRegex(SystemExit, r"^nothing to learn from: in the training part of the data \(15 "
                                                r"customers' purchases, .*no purchase is followed by a later order"):
            cli.run(cli_args(command))
        self.assertFalse(os.path.exists(os.path.join(models, "shop", "test.1")))
        # One customer with four orders holds a pair to learn from (their first order, then the second).
        more = rows + [["u0", "I3", str(1_000_000 + 86_400 * order), f"o0-{order}"] for order in (2, 3)]
        shutil.rmtree(folder)
        folder = self.folder("two-orders", items, ["user_id", "item_id", "timestamp", "basket_id"], more)
        cli.run(cli_args(command))
        self.assertTrue(os.path.exists(os.path.join(models, "shop", "test.1", "model.onnx")))

    def test_trainOnImportFiles_exportsAModelOfTheShopsItems(self):
        # A shop's own files in the import format, made from a slice of the embedded data.
        folder = os.path.join(self.work, "shop")
        os.makedirs(folder)
        write_shop_files(folder, 120)
        cli.run(cli_args([
            "train", "--data", folder, "--name", "shop", "--epochs", "1", "--dim", "16",
            "--layers", "1", "--valid-users", "50", "--sampled-negatives", "20",
            "--run-dir", os.path.join(self.work, "run"),
            "--models-dir", os.path.join(self.work, "models"), "--version", "test.1"]))
        exported = os.path.join(self.work, "models", "shop", "test.1")
        with open(os.path.join(exported, "vocabulary.tsv"), encoding="utf-8") as f:
            vocabulary = f.read().split()
        self.assertIn("S-85123A", vocabulary)
        self.assertTrue(os.path.exists(os.path.join(exported, "model.onnx")))

    def test_anItemListedTwice_andAFileBesideItsGzip_areRefused_asTheFeatureServiceRefusesThem(self):
        twice = self.text_folder("twice", 'item_id,title\nA,Mug\nB,Plate\n"A",Old mug\n', "user_id,item_id,timestamp\n")
        with self.assertRaises(ValueError) as refused:
            data_mod.load_dataset(twice)
        self.assertEqual(str(refused.exception), f"{twice}/items.csv line 4: item_id \"A\" is listed twice "
                                                 "(first on line 2); keep one row per item")
        both = self.text_folder("both", "item_id,title\nA,Mug\nB,Plate\n", "user_id,item_id,timestamp\n")
        with gzip.open(os.path.join(both, "items.csv.gz"), "wt", encoding="utf-8") as f:
            f.write("item_id,title\nA,Mug\n")
        with self.assertRaises(ValueError) as refused:
            data_mod.load_dataset(both)
        self.assertEqual(str(refused.exception), f"data folder {both} holds both items.csv and items.csv.gz; "
                                                 "remove the one that is not current")
        os.remove(os.path.join(both, "items.csv.gz"))
        self.assertEqual(data_mod.load_dataset(both).item_ids, ["A", "B"])

    def test_aModelTrainedWithAZone_isReadInIt_byTheCommandsOnItsFolder_andAnotherZoneForItsFilesIsRefused(self):
        folder = os.path.join(self.work, "shop")
        os.makedirs(folder)
        write_shop_files(folder, 60, local_times="Europe/London")
        cli.run(cli_args([
            "train", "--data", folder, "--name", "shop", "--time-zone", "Europe/London", "--epochs", "1",
            "--dim", "16", "--layers", "1", "--valid-users", "20", "--sampled-negatives", "20",
            "--run-dir", os.path.join(self.work, "run"),
            "--models-dir", os.path.join(self.work, "models"), "--version", "test.1"]))
        model = os.path.join(self.work, "models", "shop", "test.1")
        with mock.patch.dict(os.environ, {"GLASSBOX_DATA_TIME_ZONE": ""}):
            with contextlib.redirect_stderr(io.StringIO()) as said:
                cli.main(["reexport", "--model", model, "--data", folder])
            self.assertIn(f"{folder}: times without a UTC offset read in Europe/London, as the model was trained",
                          said.getvalue())
            with self.assertRaisesRegex(SystemExit, f"^{re.escape(model)} was trained on these files with their "
                                                    "times without an offset, or their shop days \\(orders\\), read in "
                                                    "Europe/London; read in America/New_York they are "
                                                    "other moments or orders"):
                cli.main(["reexport", "--model", model, "--data", folder, "--time-zone", "America/New_York"])
            cli.main(["reexport", "--model", model, "--data", folder, "--time-zone", "Europe/London"])
            # Other files (the shop's next export) may be read in another zone.
            other = os.path.join(self.work, "other")
            os.makedirs(other)
            write_shop_files(other, 60, local_times="America/New_York")
            cli.main(["reexport", "--model", model, "--data", other, "--time-zone", "America/New_York"])
            with self.assertRaisesRegex(SystemExit, "^/nowhere: no metadata.json; --model names a model version"):
                cli.main(["reexport", "--model", "/nowhere", "--data", folder])
        # Files whose times all carry an offset, with an order column, read alike in every zone: no
        # zone is recorded, none refused (without one, their orders are days in the zone: recorded).
        offsets = data_mod.load_dataset(other, time_zone="Europe/London")
        self.assertNotIn("time_zone", data_mod.load_dataset(self.text_folder(
            "offsets", "item_id,title\nA,Mug\n", "user_id,item_id,timestamp,invoice_no\nu1,A,2011-12-09T12:50:00Z,o1\n"),
            time_zone="Europe/London").fingerprint)
        self.assertEqual(offsets.fingerprint["time_zone"], "Europe/London")


if __name__ == "__main__":
    unittest.main()
