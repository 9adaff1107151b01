#!/usr/bin/env python3
"""Writes the Grafana dashboards of dashboards/ (overview, provider, latency) over the metrics
of `vigil serve`'s /metrics. Edit this file, then run it; the JSON it writes is committed.

  python3 scripts/gen_dashboards.py
"""
import json, os

OUT = os.environ.get("OUT") or os.path.join(os.path.dirname(__file__), "..", "dashboards")
SEL = 'provider=~"$provider",instance=~"$instance"'
RATE = "$__rate_interval"


def var_datasource():
    return {"name": "datasource", "label": "Prometheus", "type": "datasource", "query": "prometheus",
            "current": {}, "hide": 0, "refresh": 1, "options": []}


def var_query(name, label, query, multi=True, include_all=True):
    return {"name": name, "label": label, "type": "query", "datasource": {"type": "prometheus", "uid": "${datasource}"},
            "query": {"query": query, "refId": name}, "definition": query, "refresh": 2, "sort": 1,
            "multi": multi, "includeAll": include_all, "allValue": ".*", "current": {}, "hide": 0, "options": []}


def target(expr, legend="", ref="A"):
    return {"datasource": {"type": "prometheus", "uid": "${datasource}"}, "expr": expr, "legendFormat": legend,
            "refId": ref, "range": True}


class Panels:
    def __init__(self):
        self.panels, self.y, self.x, self.next_id = [], 0, 0, 1

    def row(self, title):
        if self.x:
            self.y += 8
            self.x = 0
        self.panels.append({"type": "row", "title": title, "id": self._id(), "collapsed": False,
                            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y}, "panels": []})
        self.y += 1

    def _id(self):
        self.next_id += 1
        return self.next_id - 1

    def add(self, panel, w=12, h=8):
        if self.x + w > 24:
            self.y += h
            self.x = 0
        panel["id"] = self._id()
        panel["gridPos"] = {"h": h, "w": w, "x": self.x, "y": self.y}
        panel["datasource"] = {"type": "prometheus", "uid": "${datasource}"}
        self.panels.append(panel)
        self.x += w
        if self.x >= 24:
            self.x = 0
            self.y += h

    def stat(self, title, expr, unit, threshold=None, w=4):
        steps = [{"color": "green", "value": None}]
        if threshold is not None:
            steps.append({"color": "red", "value": threshold})
        self.add({"type": "stat", "title": title, "targets": [target(expr)],
                  "fieldConfig": {"defaults": {"unit": unit, "decimals": 2,
                                               "thresholds": {"mode": "absolute", "steps": steps}}, "overrides": []},
                  "options": {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                              "colorMode": "background", "graphMode": "area", "textMode": "auto"}}, w=w, h=4)

    def series(self, title, targets, unit, threshold=None, w=12, stack=False, description=""):
        custom = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10 if stack else 0, "showPoints": "never",
                  "spanNulls": False, "stacking": {"mode": "normal" if stack else "none", "group": "A"}}
        defaults = {"unit": unit, "custom": custom}
        if threshold is not None:
            custom["thresholdsStyle"] = {"mode": "dashed"}
            defaults["thresholds"] = {"mode": "absolute", "steps": [{"color": "transparent", "value": None},
                                                                     {"color": "red", "value": threshold}]}
        self.add({"type": "timeseries", "title": title, "description": description,
                  "targets": [target(e, l, chr(65 + i)) for i, (e, l) in enumerate(targets)],
                  "fieldConfig": {"defaults": defaults, "overrides": []},
                  "options": {"legend": {"displayMode": "list", "placement": "bottom", "showLegend": True},
                              "tooltip": {"mode": "multi", "sort": "desc"}}}, w=w)

    def table(self, title, expr, w=24):
        self.add({"type": "table", "title": title,
                  "targets": [dict(target(expr), format="table", instant=True, range=False)],
                  "transformations": [{"id": "organize", "options": {"excludeByName": {"Time": True, "Value": True, "__name__": True}}}],
                  "fieldConfig": {"defaults": {}, "overrides": []}, "options": {"showHeader": True}}, w=w, h=6)


def ratio(num_filter, by="provider", sel=SEL):
    num = f'sum by ({by}) (rate(vigil_attempts_total{{{sel},{num_filter}}}[{RATE}]))'
    den = f'sum by ({by}) (rate(vigil_attempts_total{{{sel}}}[{RATE}]))'
    return f"{num} / {den}"


def dashboard(uid, title, description, panels, variables, tags=("vigil", "llm")):
    return {"uid": uid, "title": title, "description": description, "tags": list(tags), "editable": True,
            "schemaVersion": 39, "version": 1, "time": {"from": "now-6h", "to": "now"}, "refresh": "30s",
            "timezone": "utc", "graphTooltip": 1, "fiscalYearStartMonth": 0, "liveNow": False,
            "annotations": {"list": []}, "links": [
                {"title": "Vigil dashboards", "type": "dashboards", "tags": ["vigil"], "asDropdown": True}],
            "templating": {"list": variables}, "panels": panels.panels,
            "__inputs": [{"name": "DS_PROMETHEUS", "label": "Prometheus", "type": "datasource", "pluginId": "prometheus"}]}


def common_vars(provider_multi=True):
    return [var_datasource(),
            var_query("instance", "Vigil host", "label_values(vigil_build_info, instance)"),
            var_query("provider", "Provider", 'label_values(vigil_attempts_total{instance=~"$instance"}, provider)',
                      multi=provider_multi, include_all=provider_multi)]


def streams(p, sel, by="provider"):
    """Streamed calls: failed streams (a 200 whose stream then failed) by class and by how they
    ended, and the time to first token, as the shipped StreamFailures and SlowFirstToken see them."""
    p.row("Streams: failures after the 200, time to first token")
    p.series("Stream failure rate (StreamFailures: > 5%)",
             [(f'sum by ({by}) (rate(vigil_stream_failures_total{{{sel}}}[{RATE}])) / sum by ({by}) (rate(vigil_streams_total{{{sel}}}[{RATE}]))', "{{%s}}" % by)],
             "percentunit", 0.05)
    p.series("Failed streams / s by class", [(f'sum by (class) (rate(vigil_stream_failures_total{{{sel}}}[{RATE}]))', "{{class}}")],
             "reqps", stack=True)
    p.series("Streams / s by outcome", [(f'sum by (outcome) (rate(vigil_streams_total{{{sel}}}[{RATE}]))', "{{outcome}}")],
             "reqps", stack=True)
    p.series("P95 time to first token (SlowFirstToken: > 10 s)",
             [(f'histogram_quantile(0.95, sum by ({by}, le) (rate(vigil_time_to_first_token_seconds_bucket{{{sel}}}[{RATE}])))', "{{%s}}" % by)],
             "s", 10)


def overview():
    p = Panels()
    p.row("The article's metrics, all selected providers")
    all_ = lambda f: ratio(f, by="") .replace("sum by () ", "sum ")
    p.stat("Attempts / s", f'sum(rate(vigil_attempts_total{{{SEL}}}[{RATE}]))', "reqps")
    p.stat("Error rate (> 5%)", all_('class!="success"'), "percentunit", 0.05)
    p.stat("429 rate (> 10%)", all_('code="429"'), "percentunit", 0.10)
    p.stat("5xx rate (> 2%)", all_('code=~"5.."'), "percentunit", 0.02)
    p.stat("P99 latency (> 30 s)",
           f'histogram_quantile(0.99, sum by (le) (rate(vigil_attempt_latency_seconds_bucket{{{SEL}}}[{RATE}])))', "s", 30)
    p.stat("Retry exhaustion (> 1%)",
           f'sum(rate(vigil_retries_exhausted_total{{{SEL}}}[{RATE}])) / sum(rate(vigil_requests_total{{{SEL}}}[{RATE}]))',
           "percentunit", 0.01)
    p.row("By provider")
    p.series("Error rate", [(ratio('class!="success"'), "{{provider}}")], "percentunit", 0.05)
    p.series("429 rate", [(ratio('code="429"'), "{{provider}}")], "percentunit", 0.10)
    p.series("5xx rate", [(ratio('code=~"5.."'), "{{provider}}")], "percentunit", 0.02)
    p.series("Attempts / s by class", [(f'sum by (class) (rate(vigil_attempts_total{{{SEL}}}[{RATE}]))', "{{class}}")],
             "reqps", stack=True)
    streams(p, SEL)
    p.row("Alerts")
    p.table("Pending and firing alerts (vigil_alert)", f'vigil_alert{{instance=~"$instance"}}')
    p.row("Vigil itself")
    p.series("Records stored / s", [(f'sum by (instance, source) (rate(vigil_ingest_records_total{{instance=~"$instance",outcome="stored"}}[{RATE}]))', "{{instance}} {{source}}"),
                                     (f'sum by (instance, source) (rate(vigil_ingest_records_total{{instance=~"$instance",outcome="rejected"}}[{RATE}]))', "{{instance}} {{source}} rejected")], "ops")
    p.series("UDP datagrams dropped / s", [(f'sum by (instance, reason) (rate(vigil_udp_datagrams_dropped_total{{instance=~"$instance"}}[{RATE}]))', "{{instance}} {{reason}}")], "ops")
    p.series("Notifications / min", [(f'sum by (receiver, outcome) (increase(vigil_notifications_total{{instance=~"$instance"}}[{RATE}]))', "{{receiver}} {{outcome}}")], "short")
    p.series("Outbox", [(f'sum by (state) (vigil_outbox_messages{{instance=~"$instance"}})', "{{state}}")], "short")
    p.series("Evaluation lag (worst since start)", [(f'vigil_evaluation_lag_seconds{{instance=~"$instance",which="max"}}', "{{instance}}")], "s")
    return dashboard("vigil-overview", "Vigil: overview", "LLM API errors, rate limits, latency and Vigil's own health.",
                     p, common_vars())


def provider():
    p = Panels()
    sel = 'provider=~"$provider",model=~"$model",instance=~"$instance"'
    p.row("By model")
    p.series("Error rate", [(ratio('class!="success"', by="model", sel=sel), "{{model}}")], "percentunit", 0.05)
    p.series("429 rate", [(ratio('code="429"', by="model", sel=sel), "{{model}}")], "percentunit", 0.10)
    p.series("5xx rate", [(ratio('code=~"5.."', by="model", sel=sel), "{{model}}")], "percentunit", 0.02)
    p.series("Retry exhaustion",
             [(f'sum by (model) (rate(vigil_retries_exhausted_total{{{sel}}}[{RATE}])) / sum by (model) (rate(vigil_requests_total{{{sel}}}[{RATE}]))', "{{model}}")],
             "percentunit", 0.01)
    p.row("Status codes and tokens")
    p.series("Attempts / s by status code", [(f'sum by (code) (rate(vigil_attempts_total{{{sel}}}[{RATE}]))', "{{code}}")], "reqps", stack=True)
    p.series("Auth failures / s (401, 403)", [(f'sum by (model) (rate(vigil_attempts_total{{{sel},code=~"401|403"}}[{RATE}]))', "{{model}}")], "reqps")
    p.series("Tokens / s", [(f'sum by (kind) (rate(vigil_tokens_total{{{sel}}}[{RATE}]))', "{{kind}}")], "short", stack=True)
    p.series("Quota exhausted / s (429 insufficient_quota)", [(f'sum by (model) (rate(vigil_attempts_total{{{sel},class="quota"}}[{RATE}]))', "{{model}}")], "reqps")
    streams(p, sel, by="model")
    variables = common_vars(provider_multi=False) + [
        var_query("model", "Model", 'label_values(vigil_attempts_total{provider=~"$provider",instance=~"$instance"}, model)')]
    return dashboard("vigil-provider", "Vigil: provider", "One provider's models: rates, status codes, tokens.", p, variables)


def latency():
    p = Panels()
    buckets = f'rate(vigil_attempt_latency_seconds_bucket{{{SEL}}}[{RATE}])'
    p.row("Percentiles")
    p.series("P50, P95, P99, all selected providers",
             [(f'histogram_quantile({q}, sum by (le) ({buckets}))', f"P{int(q * 100)}") for q in (0.5, 0.95, 0.99)], "s", 30, w=24)
    p.series("P99 by provider", [(f'histogram_quantile(0.99, sum by (provider, le) ({buckets}))', "{{provider}}")], "s", 30)
    p.series("P99 by model", [(f'histogram_quantile(0.99, sum by (provider, model, le) ({buckets}))', "{{provider}}/{{model}}")], "s", 30)
    p.series("Mean latency by provider",
             [(f'sum by (provider) (rate(vigil_attempt_latency_seconds_sum{{{SEL}}}[{RATE}])) / sum by (provider) (rate(vigil_attempt_latency_seconds_count{{{SEL}}}[{RATE}]))', "{{provider}}")], "s")
    p.series("Share of attempts slower than 30 s",
             [(f'1 - sum by (provider) (rate(vigil_attempt_latency_seconds_bucket{{{SEL},le="30"}}[{RATE}])) / sum by (provider) (rate(vigil_attempt_latency_seconds_count{{{SEL}}}[{RATE}]))', "{{provider}}")],
             "percentunit", 0.01)
    ttft = f'rate(vigil_time_to_first_token_seconds_bucket{{{SEL}}}[{RATE}])'
    streamed = f'rate(vigil_streamed_attempt_latency_seconds_bucket{{{SEL}}}[{RATE}])'
    p.row("Streamed calls: time to first token")
    p.series("Time to first token: P50, P95, P99",
             [(f'histogram_quantile({q}, sum by (le) ({ttft}))', f"P{int(q * 100)}") for q in (0.5, 0.95, 0.99)], "s", 10)
    p.series("P95 time to first token by model",
             [(f'histogram_quantile(0.95, sum by (provider, model, le) ({ttft}))', "{{provider}}/{{model}}")], "s", 10)
    p.series("P99 latency of streamed attempts by provider",
             [(f'histogram_quantile(0.99, sum by (provider, le) ({streamed}))', "{{provider}}")], "s")
    return dashboard("vigil-latency", "Vigil: latency", "Latency percentiles from the vigil_attempt_latency_seconds histogram.",
                     p, common_vars())


if __name__ == "__main__":
    for name, d in (("overview", overview()), ("provider", provider()), ("latency", latency())):
        with open(os.path.join(OUT, name + ".json"), "w") as f:
            json.dump(d, f, indent=2, sort_keys=True)
            f.write("\n")
        print("wrote dashboards/%s.json (%d panels)" % (name, len(d["panels"])))
