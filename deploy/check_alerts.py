"""Checks of the Prometheus alert rules (components/service-monitor/alert-rules.yaml), for check_deploy.py.

The rules may name only what the services really export: every metric in an expression must be one a
metric builder in the Java sources (*/src/main/java) registers, with the suffixes its type exports
(_total for a counter, _bucket/_count/_sum for a histogram), or Prometheus' own `up`; every label a
selector matches or an aggregation keeps must be one of those metrics' labels or a label the
ServiceMonitor's scrape adds; and a plain label value must be one the code or the protos use (a string
literal in the sources, a gRPC status code, a service or method of proto/). Every alert has a `for`, a
severity, a summary, a description and a runbook_url whose file and heading anchor exist.

Run on its own (`python3 deploy/check_alerts.py [RULE_FILE]`), it checks the component's rule file as it
stands, not rendered, and exits 1 on a failure; deploy/check.sh checks the production overlay's rendering
through check_deploy.py, and that the check catches deliberately broken copies.
"""

import re
from pathlib import Path

# What a Prometheus Operator scrape adds to every series (job from the ServiceMonitor's jobLabel).
TARGET_LABELS = {"job", "instance", "namespace", "pod", "container", "endpoint", "service"}
# Series Prometheus makes itself for each target.
PROMETHEUS_METRICS = {"up": set()}
SEVERITIES = ("critical", "warning", "info")
GRPC_CODES = {"OK", "CANCELLED", "UNKNOWN", "INVALID_ARGUMENT", "DEADLINE_EXCEEDED", "NOT_FOUND", "ALREADY_EXISTS",
              "PERMISSION_DENIED", "RESOURCE_EXHAUSTED", "FAILED_PRECONDITION", "ABORTED", "OUT_OF_RANGE",
              "UNIMPLEMENTED", "INTERNAL", "UNAVAILABLE", "DATA_LOSS", "UNAUTHENTICATED"}
# Words of PromQL that are not metric names.
PROMQL_WORDS = {"and", "or", "unless", "bool", "offset", "by", "without", "on", "ignoring", "group_left",
                "group_right", "inf", "nan"}
GROUPING = r"\b(by|without|on|ignoring|group_left|group_right)\s*\(([^)]*)\)"
SUFFIXES = {"counter": ("_total",), "histogram": ("_bucket", "_count", "_sum"), "gauge": ("",), "info": ("",)}
BUILDER = re.compile(r"\b(Counter|CounterWithCallback|Histogram|Gauge|GaugeWithCallback|InfoSnapshot)\.builder\(\)")


def _balanced(text, start):
    """The text inside the parenthesis that opens at text[start]."""
    depth = 0
    for i in range(start, len(text)):
        depth += {"(": 1, ")": -1}.get(text[i], 0)
        if depth == 0:
            return text[start + 1:i]
    return text[start + 1:]


def exported_metrics(root):
    """Metric families the Java sources register: {sample name: set of labels}, each sample name as
    /metrics shows it, resolved from the builders' .name(...) (a literal, a constant of the file, a
    prefix parameter plus a literal suffix, or a helper's name parameter given literals)."""
    sources = {p: p.read_text(encoding="utf-8") for p in sorted(root.glob("*/src/main/java/**/*.java"))}

    def passed(text, parameter):
        """The glassbox_ literals that calls of the method declaring String `parameter` pass it."""
        method = re.search(r"(\w+)\([^()]*\bString " + parameter + r"\b[^()]*\)\s*\{", text)
        return {m for source in sources.values() for call in re.findall(r"(?<!\w )\b" + (method.group(1) if method else "$^")
                                                                        + r"\(([^;]*?)\);", source)
                for m in re.findall(r'"(glassbox_[a-z0-9_]+)"', call)}
    samples = {}
    for text in sources.values():
        constants = dict(re.findall(r'static final String (\w+) = "([^"]+)";', text))
        for builder in BUILDER.finditer(text):
            chain = text[builder.end():text.find(".register(", builder.end())]
            at = chain.find(".name(")
            if at < 0:
                continue
            expr = _balanced(chain, at + len(".name")).strip()
            labels = set(re.findall(r'"([a-z_]+)"', _balanced(chain, chain.find(".labelNames(") + len(".labelNames"))
                                     if ".labelNames(" in chain else ""))
            kind = {"Counter": "counter", "CounterWithCallback": "counter", "Histogram": "histogram",
                    "InfoSnapshot": "info"}.get(builder.group(1), "gauge")
            if kind == "info":
                for call in re.finditer(r"Labels\.of(?=\()", text):   # "name", value, "name", value
                    arguments = re.sub(r"\([^()]*\)", "", _balanced(text, call.end())).split(",")
                    labels |= {a.strip().strip('"') for a in arguments[::2]}
            names = set()
            literal = re.fullmatch(r'"([a-z0-9_]+)"', expr)
            concatenated = re.fullmatch(r'(\w+) \+ "([a-z0-9_]+)"', expr)
            if literal:
                names = {literal.group(1)}
            elif expr in constants:
                names = {constants[expr]}
            elif concatenated:
                names = {p + concatenated.group(2) for p in passed(text, concatenated.group(1))}
            elif kind == "info" and (m := re.match(r"(\w+)\.substring", expr)) and m.group(1) in constants:
                names = {constants[m.group(1)]}     # an info family is named without _info; /metrics adds it
            elif re.fullmatch(r"\w+", expr):
                names = passed(text, expr)      # a helper's parameter
            for name in names:
                base = name[:-len("_total")] if kind == "counter" and name.endswith("_total") else name
                for suffix in SUFFIXES[kind]:
                    samples[base + suffix] = labels | ({"le"} if suffix == "_bucket" else set())
    return samples


def known_values(root):
    """Label values the code or the protos can produce: the Java sources' string literals, gRPC codes,
    `glassbox.v1.<service>` and rpc names of proto/, and the services' job names."""
    values = set(GRPC_CODES)
    for path in root.glob("*/src/main/java/**/*.java"):
        values |= set(re.findall(r'"([^"\\]+)"', path.read_text(encoding="utf-8")))
    for path in root.glob("proto/src/main/proto/**/*.proto"):
        text = path.read_text(encoding="utf-8")
        values |= {"glassbox.v1." + s for s in re.findall(r"^service (\w+)", text, re.M)}
        values |= set(re.findall(r"^\s*rpc (\w+)", text, re.M))
    return values


def selectors(expr):
    """(metric names, matcher (label, operator, value) triples, grouping labels) of a PromQL expression."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', lambda m: m.group(0).replace("(", " ").replace(")", " "), expr)
    grouping = {label.strip() for _, labels in re.findall(GROUPING, text) for label in labels.split(",") if label.strip()}
    matchers = re.findall(r'(\w+)\s*(=~|!~|!=|=)\s*"((?:[^"\\]|\\.)*)"', text)
    bare = re.sub(GROUPING, " ", text)
    bare = re.sub(r"\{[^}]*\}", " ", bare)
    bare = re.sub(r"\[[^\]]*\]", " ", bare)
    words = re.findall(r"(?<![\w.])([a-zA-Z_:][\w:]*)\b(?!\s*\()", bare)
    return {w for w in words if w not in PROMQL_WORDS}, matchers, grouping


def heading_anchors(path):
    """GitHub's anchors of a Markdown file's headings."""
    anchors = set()
    for heading in re.findall(r"^#+\s+(.+?)\s*$", path.read_text(encoding="utf-8"), re.M):
        slug = re.sub(r"[^\w\- ]", "", heading.lower()).replace(" ", "-")
        anchor, n = slug, 1
        while anchor in anchors:
            anchor, n = f"{slug}-{n}", n + 1
        anchors.add(anchor)
    return anchors


def check_rule_file(rule_docs, root, r, label, samples, values):
    """Each alert of the PrometheusRule documents `rule_docs` names exported metrics and labels, has its
    `for`, severity and annotations, and a runbook_url that leads to a heading of the docs."""
    alerts = [rule for doc in rule_docs for group in doc.get("spec", {}).get("groups", [])
              for rule in group.get("rules", []) if "alert" in rule]
    r.check(alerts, f"{label} the PrometheusRule has no alerts")
    names = [a["alert"] for a in alerts]
    r.check(len(names) == len(set(names)), f"{label} alert names repeat: {sorted(n for n in names if names.count(n) > 1)}")
    for alert in alerts:
        where = f"{label} alert {alert['alert']}"
        expr = str(alert.get("expr", ""))
        metrics, matchers, grouping = selectors(expr)
        r.check(metrics, f"{where}: its expression names no metric")
        families = set()
        for metric in sorted(metrics):
            known = samples.get(metric, PROMETHEUS_METRICS.get(metric))
            if r.check(known is not None, f"{where}: metric {metric} is not one the services export"):
                families |= known
        allowed = families | TARGET_LABELS
        for name, operator, value in matchers:
            r.check(name in allowed, f"{where}: label {name} is not a label of {', '.join(sorted(metrics))}")
            plain = value.split("|") if operator in ("=~", "!~") else [value]
            for v in plain:
                if re.fullmatch(r"[\w.\-]+", v):
                    r.check(v in values, f"{where}: {name}={v!r} is no value the code or the protos use")
        for name in sorted(grouping):
            r.check(name in allowed, f"{where}: grouping label {name} is not a label of {', '.join(sorted(metrics))}")
        r.check(re.fullmatch(r"\d+[smh]", str(alert.get("for", ""))),
                f"{where}: needs a `for:` duration (a blip must not page)")
        r.check(alert.get("labels", {}).get("severity") in SEVERITIES,
                f"{where}: labels.severity must be one of {', '.join(SEVERITIES)}")
        annotations = alert.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            r.check(annotations.get(key), f"{where}: needs the annotation {key}")
        url = str(annotations.get("runbook_url", ""))
        path, _, anchor = url.partition("#")
        doc = root / path
        if r.check(path and doc.is_file() and anchor, f"{where}: runbook_url {url!r} must be FILE#ANCHOR, a file of the repository"):
            r.check(anchor in heading_anchors(doc), f"{where}: runbook_url {url!r}: {path} has no heading with anchor #{anchor}")


def main(argv=None):
    """Checks RULE_FILE (the component's alert-rules.yaml by default) against the code and the docs of the
    repository it is in; 0 when every check passes, else 1."""
    import argparse
    from check_deploy import Report, load_all

    root = Path(__file__).resolve().parent.parent
    parser = argparse.ArgumentParser(description=main.__doc__)
    parser.add_argument("rule_file", nargs="?", type=Path,
                        default=root / "deploy/kubernetes/components/service-monitor/alert-rules.yaml")
    args = parser.parse_args(argv)
    r = Report()
    label = f"[{args.rule_file}]"
    rules = [d for d in load_all(args.rule_file) if d.get("kind") == "PrometheusRule"]
    if r.check(rules, f"{label} has no PrometheusRule"):
        check_rule_file(rules, root, r, label, exported_metrics(root), known_values(root))
    print(f"check-alerts: {r.passed} passed, {len(r.failures)} failed")
    return 1 if r.failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
