"""A shop's own files in the import format (what `bin/glassbox import` and `bin/glassbox train`
take), made from the first customers of the embedded data: every id renamed (items S-<id>,
customers c<id>), times in ISO-8601, the invoice as basket_id. `spreadsheet` writes them as a
spreadsheet set to a language with decimal commas saves "CSV UTF-8" (a byte order mark, semicolons,
prices such as 2,95) with times as a database writes them (2011-12-09 12:50:00+00:00);
`local_times` names a zone whose local times a database wrote, without an offset (2011-06-09
12:50:00 for 11:50 UTC in Europe/London). Standard library only: .ci/own-shop runs it with Debian's
bare python3, and test_import_format trains on it.

    python3 trainer/tests/shop_files.py FOLDER USERS [--titled] [--click] [--spreadsheet]
        [--local-times ZONE] [--items NAME] [--interactions NAME]
"""

import argparse
import csv
import datetime
import gzip
import os
import zoneinfo

UCI = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))),
                   "data", "uci-online-retail")


def write_csv(path, header, rows, spreadsheet=False):
    with open(path, "w", newline="", encoding="utf-8-sig" if spreadsheet else "utf-8") as f:
        writer = csv.writer(f, delimiter=";" if spreadsheet else ",")
        writer.writerow(header)
        writer.writerows(rows)


def write_shop_files(folder, users, items_name="items.csv", interactions_name="interactions.csv",
                     titled=False, click=False, spreadsheet=False, local_times=None):
    """The catalogue and the first `users` customers' purchases; `titled` writes titles in title
    case, `click` puts one click among the purchases, `spreadsheet` and `local_times` as the
    module says."""
    zone = zoneinfo.ZoneInfo(local_times) if local_times else datetime.timezone.utc
    time_format = ("%Y-%m-%d %H:%M:%S" if local_times else
                   "%Y-%m-%d %H:%M:%S+00:00" if spreadsheet else "%Y-%m-%dT%H:%M:%SZ")
    with gzip.open(os.path.join(UCI, "items.csv.gz"), "rt", encoding="utf-8") as f:
        items = [["S-" + r["item_id"], r["title"].title() if titled else r["title"],
                  r["price"].replace(".", ",") if spreadsheet else r["price"]]
                 for r in csv.DictReader(f)]
    rows, seen = [], set()
    with gzip.open(os.path.join(UCI, "interactions.csv.gz"), "rt", encoding="utf-8") as f:
        for r in csv.DictReader(f):
            if len(seen) == users and r["user_id"] not in seen:
                break
            seen.add(r["user_id"])
            when = datetime.datetime.fromtimestamp(int(r["timestamp"]), zone)
            rows.append(["c" + r["user_id"], "S-" + r["item_id"], when.strftime(time_format), "",
                         "o" + r["invoice_no"]])
    if click:
        rows.insert(5, [rows[5][0], rows[9][1], rows[5][2], "click", ""])
    write_csv(os.path.join(folder, items_name), ["item_id", "title", "price"], items, spreadsheet)
    write_csv(os.path.join(folder, interactions_name), ["user_id", "item_id", "timestamp", "event", "basket_id"],
              rows, spreadsheet)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder")
    parser.add_argument("users", type=int)
    parser.add_argument("--titled", action="store_true")
    parser.add_argument("--click", action="store_true")
    parser.add_argument("--spreadsheet", action="store_true")
    parser.add_argument("--local-times", metavar="ZONE")
    parser.add_argument("--items", default="items.csv")
    parser.add_argument("--interactions", default="interactions.csv")
    args = parser.parse_args()
    write_shop_files(args.folder, args.users, args.items, args.interactions, args.titled, args.click,
                     args.spreadsheet, args.local_times)
